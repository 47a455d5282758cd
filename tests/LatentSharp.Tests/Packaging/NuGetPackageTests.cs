using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Packaging;

/// <summary>
/// The NuGet packages as a .NET developer meets them: `dotnet pack` makes LatentSharp (the library) and LatentSharp.Cli
/// (the `sd` tool) from a copy of the sources; a new console project outside the repository (so none of the repository's
/// build files help it) references LatentSharp from a folder feed plus this machine's own NuGet source, builds (on
/// Debian 12 only thanks to the package's buildTransitive native fix) and generates with the shipped model; and
/// `dotnet tool install --tool-path` installs `sd`, whose `sd info` loads LibTorch and finds its built-in model. The
/// consumer's Program.cs is the README's C# example itself, so the example a reader copies compiles and runs.
/// One test, because every step needs the packs; bounded in time (each step has its own limit).
/// </summary>
public class NuGetPackageTests
{
    // What the README's example generates (checked against its text, so an edit there shows up here).
    const string Prompt = "a large red circle in the center on a blue background";
    const int Steps = 25, Seed = 42;
    const string ExampleModel = "models/shapes", ExampleImage = "circle.png";

    static readonly TimeSpan PackLimit = TimeSpan.FromMinutes(10), BuildLimit = TimeSpan.FromMinutes(6), RunLimit = TimeSpan.FromMinutes(3);

    [Fact]
    public void PacksInstallsAndRunsOutsideTheRepository()
    {
        using var temp = new TempFolder();
        // A version no earlier run used: NuGet's global packages folder would otherwise serve a stale copy.
        string version = "0.1.0-test." + Guid.NewGuid().ToString("N")[..12] + "x";
        string feed = temp["feed"];
        string sources = CopySources(temp["src"]);

        foreach (var project in new[] { "src/LatentSharp/LatentSharp.csproj", "src/LatentSharp.Cli/LatentSharp.Cli.csproj" })
            Dotnet(sources, PackLimit, "pack", project, "-c", "Release", "-o", feed, $"-p:Version={version}").EnsureSuccess("dotnet pack " + project);
        Assert.True(File.Exists(Path.Combine(feed, $"LatentSharp.{version}.nupkg")));
        Assert.True(File.Exists(Path.Combine(feed, $"LatentSharp.Cli.{version}.nupkg")));
        Assert.True(File.Exists(Path.Combine(feed, $"LatentSharp.Cli.linux-x64.{version}.nupkg")));

        try
        {
            ConsumerGeneratesWithThePackage(temp, feed, version);
            InstalledToolRuns(temp, feed, version);
        }
        finally
        {
            // The one-off version would otherwise stay in the global packages folder for good.
            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string cached = Path.Combine(packages, "latentsharp", version);
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
    }

    static void ConsumerGeneratesWithThePackage(TempFolder temp, string feed, string version)
    {
        string consumer = Directory.CreateDirectory(temp["consumer"]).FullName;
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LatentSharp" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        // The folder feed beside the sources this machine already uses (its user-level NuGet.Config is still read).
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="latentsharp-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        string example = ReadmeExample();
        foreach (var part in new[] { $"\"{Prompt}\"", $"Steps = {Steps}", $"Seed = {Seed}", $"\"{ExampleModel}\"", $"\"{ExampleImage}\"" })
            Assert.True(example.Contains(part), $"the README's example no longer has {part}; update this test with it");
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), example);

        Dotnet(consumer, BuildLimit, "build", "-c", "Release").EnsureSuccess("dotnet build (the consumer: the README's example)");
        // The example names the model and the output relative to where it runs, as a reader would run it from the repository.
        string workingFolder = Directory.CreateDirectory(temp["run"]).FullName;
        Directory.CreateDirectory(Path.Combine(workingFolder, "models"));
        Directory.CreateSymbolicLink(Path.Combine(workingFolder, ExampleModel), ShippedModel.Folder);
        string png = Path.Combine(workingFolder, ExampleImage);
        string dll = Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll");
        var run = Dotnet(workingFolder, RunLimit, dll).EnsureSuccess("the consumer (the README's example)");
        Assert.Contains($"step {Steps}/{Steps}", run.Output);

        var parameters = ImageReaderParameters(png);
        Assert.Equal(Prompt, parameters.Prompt);
        Assert.Equal(Seed, parameters.Seed);
        Assert.Equal(Steps, parameters.Steps);
        Assert.Contains($"Seed: {Seed}", run.Output);

        // The packaged library gives the image the repository's own build gives.
        var fromPackage = ImageReader.Read(png);
        using var pipeline = StableDiffusionPipeline.Load(ShippedModel.Folder);
        using var expected = pipeline.Generate(new GenerationRequest { Prompt = Prompt, Steps = Steps, Seed = Seed });
        var own = expected.Images[0];
        Assert.Equal((own.Width, own.Height), (fromPackage.Width, fromPackage.Height));
        int worst = own.Pixels.Zip(fromPackage.Pixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 2, $"the packaged library's image differs from the repository build's by up to {worst}/255");
    }

    static void InstalledToolRuns(TempFolder temp, string feed, string version)
    {
        string tools = temp["tools"];
        Dotnet(temp.Path, PackLimit, "tool", "install", "LatentSharp.Cli", "--version", version, "--tool-path", tools, "--add-source", feed)
            .EnsureSuccess("dotnet tool install");
        string sd = Path.Combine(tools, "sd");
        Assert.True(File.Exists(sd), "the tool's command is not called sd");

        // Run from a folder outside the repository, so the model it reports is the one inside the package.
        var info = ExternalProgram.Run(sd, ["info"], temp.Path, RunLimit, new Dictionary<string, string?> { ["LATENTSHARP_MODEL"] = null })
            .EnsureSuccess("sd info");
        Assert.Contains($"LatentSharp {version}", info.Output);
        Assert.Matches(@"LibTorch CPU, \d+ threads", info.Output);
        Assert.Contains(Path.Combine(tools, ".store"), info.Output);   // the built-in model, inside the installed package
        Assert.Contains("UNet2DConditionModel", info.Output);
    }

    /// <summary>The first C# block of the README: the example a new user copies.</summary>
    static string ReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "README.md"));
        int start = readme.IndexOf("```csharp\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no ```csharp block");
        start += "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    static GenerationParameters ImageReaderParameters(string png) =>
        PngMetadata.ReadParameters(png) ?? throw new InvalidOperationException($"{png} carries no generation parameters");

    static ExternalProgram.Result Dotnet(string workingDirectory, TimeSpan limit, params string[] arguments) =>
        ExternalProgram.Run(ExternalProgram.Dotnet, [.. arguments, .. arguments[0] is "build" or "pack" ? new[] { "-nodeReuse:false", "--nologo" } : []],
            workingDirectory, limit);

    /// <summary>What `dotnet pack` needs of the repository (sources, build files, the shipped model), without bin/ and obj/.</summary>
    static string CopySources(string target)
    {
        string root = Fixtures.RepoRoot;
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets" })
            CopyFile(Path.Combine(root, file), Path.Combine(target, file));
        foreach (var folder in new[] { "src", "build", "models/shapes" })
            CopyTree(Path.Combine(root, folder), Path.Combine(target, folder));
        return target;
    }

    static void CopyTree(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Any(p => p is "bin" or "obj")) continue;
            CopyFile(file, Path.Combine(target, relative));
        }
    }

    static void CopyFile(string source, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
    }
}
