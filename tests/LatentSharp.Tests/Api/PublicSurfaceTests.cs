using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using LatentSharp.Adapters;
using LatentSharp.Imaging;
using LatentSharp.Performance;
using LatentSharp.Pipelines;

namespace LatentSharp.Tests.Api;

/// <summary>
/// The library's public surface is documented: every public type has an XML summary (from LatentSharp.xml, which the
/// build writes beside the assembly), and so has every public member of the types a program starts from.
/// </summary>
public class PublicSurfaceTests
{
    static readonly Assembly Library = typeof(StableDiffusionPipeline).Assembly;

    /// <summary>The entry points: what the README's example, the samples and `sd`'s generation commands use.</summary>
    static readonly Type[] EntryPoints =
    [
        typeof(StableDiffusionPipeline), typeof(GenerationRequest), typeof(GenerationMode), typeof(GenerationResult), typeof(GenerationProgress),
        typeof(StepProgress), typeof(RgbImage), typeof(LoraApplication), typeof(Precision),
    ];

    static readonly Lazy<HashSet<string>> Documented = new(() =>
    {
        string xml = Path.ChangeExtension(Library.Location, ".xml");
        Assert.True(File.Exists(xml), $"{xml} is missing: the library must build with GenerateDocumentationFile");
        return XDocument.Load(xml).Descendants("member")
            .Where(m => m.Element("summary") is { } s && s.Value.Trim().Length > 0 || m.Element("inheritdoc") != null)
            .Select(m => (string)m.Attribute("name")!).ToHashSet();
    });

    [Fact]
    public void EveryPublicTypeHasASummary()
    {
        var missing = Library.GetExportedTypes().Select(t => "T:" + Name(t)).Where(id => !Documented.Value.Contains(id)).Order().ToList();
        Assert.True(missing.Count == 0, "public types without an XML <summary>:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void EveryPublicMemberOfTheEntryPointsHasASummary()
    {
        var missing = EntryPoints.SelectMany(PublicMembers).Select(DocId).Where(id => !Documented.Value.Contains(id)).Order().ToList();
        Assert.True(missing.Count == 0, "public members of the entry points without an XML <summary>:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void InfrastructureIsInternal()
    {
        // A sample of what programs need not see: module internals, file-format plumbing, training machinery.
        string[] infrastructure =
        [
            "LatentSharp.Layers.ParameterStorage", "LatentSharp.Checkpoints.SingleFileKeyMap", "LatentSharp.Checkpoints.WeightLoader",
            "LatentSharp.Hub.HubCache", "LatentSharp.Adapters.LoraMerge", "LatentSharp.Pipelines.PromptEncoder", "LatentSharp.Text.BpeMerges",
            "LatentSharp.Training.TrainingLog", "LatentSharp.UNet.Transformer2DModel",
        ];
        foreach (var name in infrastructure)
        {
            var type = Library.GetType(name);
            Assert.True(type is { IsPublic: false }, $"{name} should exist and be internal");
        }
    }

    static IEnumerable<MemberInfo> PublicMembers(Type type) => type
        .GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
        .Where(m => m is not MethodBase { IsSpecialName: true } || m is ConstructorInfo)    // property accessors, operators
        .Where(m => m.GetCustomAttribute<CompilerGeneratedAttribute>() == null)                 // records' Equals, Deconstruct, …
        .Where(m => !(type.IsEnum && m.Name == "value__"))
        .Where(m => !(m is ConstructorInfo c && (IsRecordCopyConstructor(c) || c.GetParameters().Length == 0)));   // incl. implicit default constructors

    static bool IsRecordCopyConstructor(ConstructorInfo c) =>
        c.GetParameters() is [var only] && only.ParameterType == c.DeclaringType && c.DeclaringType!.GetMethod("<Clone>$") != null;

    /// <summary>The member's ID in the compiler's XML documentation file (ECMA-334 annex D).</summary>
    static string DocId(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"M:{Name(c.DeclaringType!)}.#ctor{Parameters(c)}",
        MethodInfo m => $"M:{Name(m.DeclaringType!)}.{m.Name}{(m.IsGenericMethod ? "``" + m.GetGenericArguments().Length : "")}{Parameters(m)}",
        PropertyInfo p => $"P:{Name(p.DeclaringType!)}.{p.Name}{(p.GetIndexParameters() is { Length: > 0 } ix ? "(" + string.Join(",", ix.Select(i => Name(i.ParameterType))) + ")" : "")}",
        FieldInfo f => $"F:{Name(f.DeclaringType!)}.{f.Name}",
        EventInfo e => $"E:{Name(e.DeclaringType!)}.{e.Name}",
        Type t => $"T:{Name(t)}",
        _ => throw new NotSupportedException(member.ToString()),
    };

    static string Parameters(MethodBase method) =>
        method.GetParameters() is { Length: > 0 } ps ? "(" + string.Join(",", ps.Select(p => Name(p.ParameterType))) + ")" : "";

    static string Name(Type t)
    {
        if (t.IsByRef) return Name(t.GetElementType()!) + "@";
        if (t.IsArray) return Name(t.GetElementType()!) + "[]";
        if (t.IsGenericParameter) return (t.DeclaringMethod != null ? "``" : "`") + t.GenericParameterPosition;
        if (t.IsGenericType && !t.IsGenericTypeDefinition)
        {
            string definition = t.GetGenericTypeDefinition().FullName!;
            return definition[..definition.IndexOf('`')].Replace('+', '.') + "{" + string.Join(",", t.GetGenericArguments().Select(Name)) + "}";
        }
        return t.FullName!.Replace('+', '.');
    }
}
