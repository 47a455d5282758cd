using System.CommandLine;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// `sd completion bash|zsh|pwsh`: a shell script that completes `sd` by asking `sd` itself, through
/// System.CommandLine's <c>[suggest:POSITION]</c> directive (what its dotnet-suggest tool uses), so commands, options
/// and option values (samplers, precisions, …) complete from the same declarations that parse them.
/// </summary>
public sealed class CompletionCommand : SdCommand
{
    static readonly Dictionary<string, string> Scripts = new()
    {
        ["bash"] = """
            # sd completion for bash: add to ~/.bashrc:  source <(sd completion bash)
            _sd_complete() {
              local IFS=$'\n'
              local candidates
              candidates=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
              COMPREPLY=($(compgen -W "${candidates}" -- "${COMP_WORDS[COMP_CWORD]}"))
            }
            complete -o default -F _sd_complete sd ./sd
            """,
        ["zsh"] = """
            # sd completion for zsh: add to ~/.zshrc:  source <(sd completion zsh)
            _sd_complete() {
              local -a candidates
              candidates=("${(@f)$(${words[1]} "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
              if (( ${#candidates} )) && [[ -n "${candidates[1]}" ]]; then compadd -a candidates; else _files; fi
            }
            compdef _sd_complete sd ./sd
            """,
        ["pwsh"] = """
            # sd completion for PowerShell: add to $PROFILE:  sd completion pwsh | Out-String | Invoke-Expression
            Register-ArgumentCompleter -Native -CommandName sd, ./sd -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                $line = $commandAst.ToString().PadRight($cursorPosition - $commandAst.Extent.StartOffset)
                & $commandAst.CommandElements[0].Value "[suggest:$($cursorPosition - $commandAst.Extent.StartOffset)]" $line 2>$null |
                    ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
            }
            """,
    };

    readonly Argument<string> shell = new("SHELL") { Description = "bash, zsh or pwsh" };

    public CompletionCommand() : base("completion", "print a shell completion script (bash, zsh or pwsh)", """
        bash:  source <(sd completion bash)            (in ~/.bashrc)
        zsh:   source <(sd completion zsh)             (in ~/.zshrc, after compinit)
        pwsh:  sd completion pwsh | Out-String | Invoke-Expression   (in $PROFILE)
        The scripts complete `sd` (on the PATH) and `./sd` (in a clone) by asking the program itself.
        """)
    {
        shell.CompletionSources.Add(Scripts.Keys.ToArray());
        Add(shell);
    }

    protected override bool UsesLibTorch => false;

    protected override int Run(ParseResult parse)
    {
        string name = parse.GetValue(shell)!;
        Console.WriteLine(Scripts.TryGetValue(name, out var script)
            ? script : throw new UsageException($"SHELL must be {CliOption.OneOf(Scripts.Keys)} (got '{name}')"));
        return 0;
    }
}
