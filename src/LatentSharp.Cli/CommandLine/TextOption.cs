using System.CommandLine;

namespace LatentSharp.Cli;

/// <summary>
/// An option whose value is text checked at parse time and read as a <typeparamref name="T"/> with <see cref="Read"/>:
/// for lists ("256,512") and names ("fp32", "train"), whose defaults --help should show as a user types them
/// (System.CommandLine would print a list as "256|512" and an enum member as "Fp32").
/// </summary>
public sealed class TextOption<T> : Option<string>
{
    readonly Func<string, T> convert;

    /// <param name="convert">Text to value; throws <see cref="UsageException"/> (the one-line error) for bad text.</param>
    public TextOption(string name, string description, string helpName, Func<string, T> convert, string defaultText) : base(name)
    {
        this.convert = convert;
        Description = description;
        HelpName = helpName;
        DefaultValueFactory = _ => defaultText;
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            try
            {
                convert(text);
            }
            catch (UsageException e)
            {
                result.AddError(e.Message);
            }
            return text;
        };
    }

    /// <summary>The value (the default when not given).</summary>
    public T Read(ParseResult parse) => convert(parse.GetValue(this)!);

    /// <summary>The value of <paramref name="text"/> as if it had been given (e.g. read back from a file); <see cref="UsageException"/> when bad.</summary>
    public T Convert(string text) => convert(text);
}
