// MSBuild inline task: does the libstdc++ that the dynamic loader will pick lack GLIBCXX_3.4.32?
// (TorchSharp 0.107's libLibTorchSharp.so asks for that version; GCC 12's libstdc++ stops at 3.4.30.)
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class LatentSharpNeedsLibstdcxxFix : Task
{
    [Output] public bool NeedsFix { get; set; }
    [Output] public string Libstdcxx { get; set; } = "";

    static readonly string[] KnownPaths =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
    };

    public override bool Execute()
    {
        string path = FromLdconfig() ?? KnownPaths.FirstOrDefault(File.Exists);
        if (path == null)
        {
            Log.LogMessage(MessageImportance.High, "LatentSharp: no system libstdc++.so.6 found; TorchSharp native fix not applied.");
            return true;
        }
        Libstdcxx = path;
        NeedsFix = !Contains(File.ReadAllBytes(path), Encoding.ASCII.GetBytes("GLIBCXX_3.4.32\0"));
        Log.LogMessage(MessageImportance.Low, $"LatentSharp: {path} {(NeedsFix ? "lacks" : "has")} GLIBCXX_3.4.32");
        return true;
    }

    // The loader resolves libstdc++.so.6 through the ldconfig cache; ask it which file that is.
    static string FromLdconfig()
    {
        foreach (var exe in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(exe)) continue;
            try
            {
                var psi = new ProcessStartInfo(exe, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                using var p = Process.Start(psi);
                string text = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                string arch = Environment.Is64BitProcess ? "64" : "";
                foreach (var line in text.Split('\n'))
                {
                    var t = line.Trim();
                    if (!t.StartsWith("libstdc++.so.6 ")) continue;
                    if (arch == "64" && !t.Contains("64")) continue;
                    int arrow = t.IndexOf("=> ", StringComparison.Ordinal);
                    if (arrow > 0 && File.Exists(t.Substring(arrow + 3))) return t.Substring(arrow + 3);
                }
            }
            catch (Exception) { }
        }
        return null;
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack[i] != needle[0]) continue;
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
