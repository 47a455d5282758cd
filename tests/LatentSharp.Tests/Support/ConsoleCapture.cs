namespace LatentSharp.Tests.Support;

/// <summary>Runs code with stdout and stderr captured (process-wide: use only in the "Alone" collection).</summary>
public static class ConsoleCapture
{
    public static (int Exit, string Out, string Error) Run(Func<int> action)
    {
        var (originalOut, originalError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int exit = action();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
