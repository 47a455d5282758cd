using System.CommandLine;
using System.CommandLine.Parsing;

namespace LatentSharp.Cli;

/// <summary>System.CommandLine's parse errors as the one line `sd` prints: the most useful error, in the project's wording.</summary>
public static class ParseErrors
{
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        string? unmatched = parse.UnmatchedTokens.FirstOrDefault();
        // A group (`sd`, `sd train`) given no command or an unknown one.
        if (command.Action is null && command.Subcommands.Count > 0)
        {
            string names = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
            return unmatched is null ? $"missing command (one of: {names})" : $"unknown command '{unmatched}' (commands: {names})";
        }
        // Errors of our own option parsers come first: they name the option and the value.
        var error = parse.Errors.FirstOrDefault(e => e.SymbolResult is ArgumentResult or OptionResult) ?? parse.Errors[0];
        if (unmatched != null && error.SymbolResult is not (ArgumentResult or OptionResult))
        {
            string help = $" (see sd {CommandPath(command)} --help)";
            return IsOptionLike(unmatched) ? $"unknown option {unmatched}{help}" : $"unexpected argument '{unmatched}'{help}";
        }
        if (command.Arguments.FirstOrDefault(a => a.Arity.MinimumNumberOfValues > 0 && parse.GetResult(a) is null or { Tokens.Count: 0 }) is { } missing
            && error.SymbolResult is not OptionResult)
            return $"missing {missing.Name}: {missing.Description} (see sd {CommandPath(command)} --help)";
        if (error.SymbolResult is OptionResult { IdentifierTokenCount: > 1 } option)
            return $"{option.Option.Name} is given twice";
        return error.Message;
    }

    static bool IsOptionLike(string token) => token.StartsWith('-') && token.Length > 1 && !double.TryParse(token, out _);

    static string CommandPath(Command command)
    {
        var words = new List<string>();
        for (var c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
            words.Insert(0, c.Name);
        return string.Join(' ', words);
    }
}
