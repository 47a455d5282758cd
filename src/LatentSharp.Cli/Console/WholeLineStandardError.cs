using System.Text;

namespace LatentSharp.Cli;

/// <summary>
/// Makes every write to <see cref="Console.Error"/> reach file descriptor 2 in one system call. .NET's own stderr
/// writer flushes through a 256-byte buffer, so a longer line (a `serve --log-format json` entry is 300–600 bytes)
/// leaves in pieces, and LibTorch, which prints its "[W …]" warnings to the same descriptor from native code, can
/// land between two pieces: the log line is then no longer one JSON object. A buffer that holds any line, flushed
/// after each write, keeps lines whole; a pipe does not split writes up to PIPE_BUF (4 KiB).
/// </summary>
static class WholeLineStandardError
{
    const int BufferChars = 64 * 1024;

    public static void Install()
    {
        var writer = new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), BufferChars)
        {
            AutoFlush = true,
        };
        Console.SetError(TextWriter.Synchronized(writer));
    }
}
