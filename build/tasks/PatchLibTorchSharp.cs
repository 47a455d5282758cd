// MSBuild inline task: patches the copy of libLibTorchSharp.so in an output folder so that it loads
// with a libstdc++ that lacks GLIBCXX_3.4.32 (see TorchSharpNativeFix.targets). Two in-place edits of
// the ELF file, no section is moved:
//   1. the GLIBCXX_3.4.32 entry of .gnu.version_r gets VER_FLG_WEAK, so a missing version is a warning;
//   2. the compatibility library becomes a DT_NEEDED entry. The file has no spare dynamic slot, but it
//      has a redundant DT_SYMBOLIC (DT_FLAGS already carries DF_SYMBOLIC) and a DT_RUNPATH string full
//      of build-machine paths. The run path is cut to "$ORIGIN/" (still where the library finds its
//      neighbours), the library name is written into the freed bytes, and DT_SYMBOLIC becomes DT_NEEDED.
// The result is written to a temporary file and renamed over the original. Idempotent.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class LatentSharpPatchLibTorchSharp : Task
{
    [Required] public string LibraryPath { get; set; } = "";
    [Required] public string CompatLibName { get; set; } = "";

    const long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_SONAME = 14, DT_RPATH = 15, DT_SYMBOLIC = 16,
        DT_RUNPATH = 29, DT_FLAGS = 30;
    const ulong DF_SYMBOLIC = 0x2;
    const ushort VER_FLG_WEAK = 0x2;
    const string WeakVersion = "GLIBCXX_3.4.32";

    public override bool Execute()
    {
        try
        {
            byte[] b = File.ReadAllBytes(LibraryPath);
            string result = Patch(b, CompatLibName);
            if (result == null)
            {
                Log.LogMessage(MessageImportance.Low, $"LatentSharp: {LibraryPath} already patched");
                return true;
            }
            string tmp = LibraryPath + ".patching";
            File.WriteAllBytes(tmp, b);
            File.Replace(tmp, LibraryPath, null);
            Log.LogMessage(MessageImportance.High, $"LatentSharp: patched {LibraryPath} ({result}) so TorchSharp loads with this system's libstdc++");
            return true;
        }
        catch (Exception e)
        {
            Log.LogError($"LatentSharp: cannot patch {LibraryPath}: {e.Message}");
            return false;
        }
    }

    sealed class Section { public uint Type, Link; public ulong Offset, Size, EntSize; }

    /// <summary>Patches the bytes in place; returns a description, or null if already patched.</summary>
    static string Patch(byte[] b, string compatLib)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");

        var sections = ReadSections(b);
        Section dynamic = sections.Find(s => s.Type == 6) ?? throw new InvalidDataException("no .dynamic section");
        Section dynstr = sections[(int)dynamic.Link];
        Section verneed = sections.Find(s => s.Type == 0x6ffffffe);
        Section dynsym = sections.Find(s => s.Type == 11);

        var entries = new List<(long Tag, ulong Val, long At)>();
        for (ulong at = dynamic.Offset; at + 16 <= dynamic.Offset + dynamic.Size; at += 16)
        {
            long tag = I64(b, (long)at);
            entries.Add((tag, U64(b, (long)at + 8), (long)at));
            if (tag == DT_NULL) break;
        }

        foreach (var e in entries)
            if (e.Tag == DT_NEEDED && CString(b, dynstr.Offset + e.Val) == compatLib) return null;

        var runpath = entries.Find(e => e.Tag == DT_RUNPATH || e.Tag == DT_RPATH);
        if (runpath.At == 0) throw new InvalidDataException("no DT_RUNPATH to make room in");
        string oldRunpath = CString(b, dynstr.Offset + runpath.Val);
        const string newRunpath = "$ORIGIN/";
        if (!oldRunpath.StartsWith("$ORIGIN")) throw new InvalidDataException($"unexpected run path '{oldRunpath}'");
        if (newRunpath.Length + 1 + compatLib.Length > oldRunpath.Length)
            throw new InvalidDataException("run path too short to hold the library name");

        var symbolic = entries.Find(e => e.Tag == DT_SYMBOLIC);
        var flags = entries.Find(e => e.Tag == DT_FLAGS);
        if (symbolic.At == 0 || flags.At == 0 || (flags.Val & DF_SYMBOLIC) == 0)
            throw new InvalidDataException("no redundant dynamic entry to reuse");

        // Nothing else may point into the bytes we overwrite (the linker merges string tails).
        ulong lo = runpath.Val + 1, hi = runpath.Val + (ulong)oldRunpath.Length;
        foreach (ulong r in StringRefs(b, entries, dynsym, verneed))
            if (r >= lo && r <= hi) throw new InvalidDataException("run path string is shared");

        long weakAt = FindVernaux(b, verneed, dynstr, WeakVersion);

        // Edits.
        long rp = (long)(dynstr.Offset + runpath.Val);
        var bytes = Encoding.ASCII.GetBytes(newRunpath + "\0" + compatLib + "\0");
        Array.Copy(bytes, 0, b, rp, bytes.Length);
        WriteI64(b, symbolic.At, DT_NEEDED);
        WriteU64(b, symbolic.At + 8, runpath.Val + (ulong)newRunpath.Length + 1);
        string weak = "";
        if (weakAt >= 0)
        {
            ushort f = (ushort)(b[weakAt + 4] | b[weakAt + 5] << 8);
            f |= VER_FLG_WEAK;
            b[weakAt + 4] = (byte)f; b[weakAt + 5] = (byte)(f >> 8);
            weak = $", {WeakVersion} weak";
        }
        return $"needs {compatLib}{weak}";
    }

    static List<Section> ReadSections(byte[] b)
    {
        long shoff = (long)U64(b, 0x28);
        int shentsize = U16(b, 0x3A), shnum = U16(b, 0x3C);
        var list = new List<Section>();
        for (int i = 0; i < shnum; i++)
        {
            long o = shoff + (long)i * shentsize;
            list.Add(new Section
            {
                Type = U32(b, o + 4), Offset = U64(b, o + 0x18), Size = U64(b, o + 0x20),
                Link = U32(b, o + 0x28), EntSize = U64(b, o + 0x38),
            });
        }
        return list;
    }

    static IEnumerable<ulong> StringRefs(byte[] b, List<(long Tag, ulong Val, long At)> entries, Section dynsym, Section verneed)
    {
        foreach (var e in entries)
            if (e.Tag == DT_NEEDED || e.Tag == DT_SONAME || e.Tag == DT_RPATH || e.Tag == DT_RUNPATH)
                yield return e.Val;
        if (dynsym != null)
            for (ulong at = dynsym.Offset; at + 24 <= dynsym.Offset + dynsym.Size; at += 24)
                yield return U32(b, (long)at);
        if (verneed != null)
            foreach (var (file, aux) in WalkVerneed(b, verneed))
            {
                yield return file;
                foreach (var a in aux) yield return U32(b, a + 8);
            }
    }

    static IEnumerable<(ulong File, List<long> Aux)> WalkVerneed(byte[] b, Section verneed)
    {
        long at = (long)verneed.Offset;
        while (true)
        {
            ushort cnt = U16(b, at + 2);
            uint file = U32(b, at + 4), aux = U32(b, at + 8), next = U32(b, at + 12);
            var auxes = new List<long>();
            long a = at + aux;
            for (int i = 0; i < cnt; i++)
            {
                auxes.Add(a);
                uint anext = U32(b, a + 12);
                if (anext == 0) break;
                a += anext;
            }
            yield return (file, auxes);
            if (next == 0) break;
            at += next;
        }
    }

    static long FindVernaux(byte[] b, Section verneed, Section dynstr, string name)
    {
        if (verneed == null) return -1;
        foreach (var (_, aux) in WalkVerneed(b, verneed))
            foreach (long a in aux)
                if (CString(b, dynstr.Offset + U32(b, a + 8)) == name) return a;
        return -1;
    }

    static string CString(byte[] b, ulong at)
    {
        int end = (int)at;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }

    static ushort U16(byte[] b, long o) => (ushort)(b[o] | b[o + 1] << 8);
    static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
    static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);
    static long I64(byte[] b, long o) => BitConverter.ToInt64(b, (int)o);
    static void WriteI64(byte[] b, long o, long v) => BitConverter.GetBytes(v).CopyTo(b, o);
    static void WriteU64(byte[] b, long o, ulong v) => BitConverter.GetBytes(v).CopyTo(b, o);
}
