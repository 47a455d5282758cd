using Spectre.Console;

namespace LatentSharp.Cli;

/// <summary>
/// Tables on Spectre.Console: on a terminal with a border, a bold header and colours; written to a pipe, a file or a
/// <see cref="TextWriter"/> as plain aligned columns without trailing spaces, so logs and scripts read them as before.
/// </summary>
public static class ConsoleTable
{
    /// <summary>A table with these column headers; columns after the first <paramref name="leftAligned"/> are right-aligned (numbers).</summary>
    public static Table Create(IEnumerable<string> headers, int leftAligned = 1)
    {
        var table = new Table();
        int i = 0;
        foreach (string header in headers)
            table.AddColumn(new TableColumn(new Markup($"[bold]{Markup.Escape(header)}[/]")) { Alignment = i++ < leftAligned ? Justify.Left : Justify.Right });
        return table;
    }

    /// <summary>Adds a row of plain text cells (no markup).</summary>
    public static Table AddCells(this Table table, IEnumerable<string> cells)
    {
        table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Spectre.Console.Text(c)).ToArray());
        return table;
    }

    /// <summary>Writes <paramref name="table"/> to <paramref name="writer"/> (default: stdout, with a border when it is a terminal).</summary>
    public static void Write(Table table, TextWriter? writer = null)
    {
        if (writer is null && Terminal.OutputIsInteractive)
        {
            table.Border(TableBorder.Rounded);
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) }).Write(table);
            return;
        }
        writer ??= Console.Out;
        var text = new StringWriter();
        var plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        plain.Profile.Width = 4096; // never wrap a cell: a line per row
        foreach (var column in table.Columns) column.Padding = new Padding(0, 0, 2, 0); // two spaces between columns
        plain.Write(table.Border(TableBorder.None));
        foreach (string line in text.ToString().Split('\n'))
            if (line.Trim().Length > 0) writer.WriteLine(line.TrimEnd());
    }
}
