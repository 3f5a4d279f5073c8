using System.Text.RegularExpressions;
using Credentials.Tests.Support;

namespace Credentials.Tests.Hosting;

/// <summary>
/// Each module registers its own types in its own folder, and the composition root only calls those registrations, so a
/// newcomer adding a class knows where to register it (docs/architecture.md, "Composition").
/// </summary>
public sealed partial class ModuleRegistrationTests
{
    private static readonly string FunctionsRoot = Path.Combine(RepositoryPaths.Root, "functions");
    private static readonly string CompositionRoot = Path.Combine(FunctionsRoot, "Hosting", "Composition");

    [Fact]
    public void Every_module_has_its_own_registration()
    {
        var modules = Directory.GetDirectories(FunctionsRoot)
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj" or "Properties"))
            .ToList();
        Assert.True(modules.Count >= 14, $"found only {modules.Count} module folders");

        var without = modules
            .Where(module => RegistrationFiles(Path.Combine(FunctionsRoot, module!)).Count == 0)
            .ToList();

        Assert.True(without.Count == 0, "Modules without a *ServiceCollectionExtensions.cs of their own: " + string.Join(", ", without));
    }

    [Fact]
    public void A_registration_registers_only_its_own_module_types()
    {
        var declaredIn = DeclaredTypes();
        var foreign = new List<string>();
        foreach (var file in RegistrationFiles(FunctionsRoot).Where(file => !file.StartsWith(CompositionRoot, StringComparison.Ordinal)))
        {
            var module = ModuleOf(file);
            foreach (var type in RegisteredTypes(File.ReadAllText(file)))
            {
                // An interface is the port a lower module asks for; the module implementing it may register it.
                if (declaredIn.TryGetValue(type, out var owner) && owner.Kind != "interface" && owner.Module != module)
                {
                    foreign.Add($"{Relative(file)} registers {type}, which belongs to {owner.Module}");
                }
            }
        }

        Assert.True(declaredIn.Count >= 150, $"found only {declaredIn.Count} type declarations under functions/");
        Assert.True(foreign.Count == 0, "Register each type in its own module:\n" + string.Join("\n", foreign));
    }

    [Fact]
    public void The_composition_root_only_calls_the_modules()
    {
        var registrations = RegistrationFiles(CompositionRoot).Select(File.ReadAllText).ToList();
        var direct = registrations.SelectMany(RegisteredTypes).ToList();
        Assert.True(direct.Count == 0, "Hosting/Composition registers types itself: " + string.Join(", ", direct));

        var calls = registrations.SelectMany(text => AddCall().Matches(text).Select(match => match.Groups["name"].Value)).ToList();
        var missing = RegistrationFiles(FunctionsRoot)
            .Where(file => !file.StartsWith(CompositionRoot, StringComparison.Ordinal))
            .SelectMany(file => PublicAdd().Matches(File.ReadAllText(file)).Select(match => match.Groups["name"].Value))
            .Where(name => calls.Count(call => call == name) != 1)
            .ToList();
        Assert.True(missing.Count == 0, "Module registrations the composition root does not call exactly once: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_registration_scan_sees_a_foreign_type()
    {
        var found = RegisteredTypes("services.AddSingleton<IStatusEventSink>(x => x); services.AddHostedService<Credentials.Functions.Audit.AuditWriter>(); services.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(c, s);");

        Assert.Equal(["IStatusEventSink", "AuditWriter", "AuditOptions", "AuditOptionsValidator"], found);
    }

    private static List<string> RegistrationFiles(string folder) => Directory
        .EnumerateFiles(folder, "*ServiceCollectionExtensions.cs", SearchOption.AllDirectories)
        .Concat(Directory.EnumerateFiles(folder, "OptionsRegistration.cs", SearchOption.AllDirectories))
        .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .ToList();

    private static List<string> RegisteredTypes(string text) => Registration().Matches(text)
        .SelectMany(match => match.Groups["types"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        .Select(type => type[(type.LastIndexOf('.') + 1)..])
        .ToList();

    private static Dictionary<string, (string Module, string Kind)> DeclaredTypes()
    {
        var declared = new Dictionary<string, (string Module, string Kind)>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(FunctionsRoot, "*.cs", SearchOption.AllDirectories).Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (Match match in Declaration().Matches(File.ReadAllText(file)))
            {
                declared.TryAdd(match.Groups["name"].Value, (ModuleOf(file), match.Groups["kind"].Value));
            }
        }

        return declared;
    }

    // A module is a top-level folder; Foundation's sub-folders are modules of their own (it has no common registration).
    private static string ModuleOf(string file)
    {
        var parts = Path.GetRelativePath(FunctionsRoot, file).Split(Path.DirectorySeparatorChar);
        return parts[0] == "Foundation" && parts.Length > 2 ? $"{parts[0]}/{parts[1]}" : parts[0];
    }

    private static string Relative(string file) => Path.GetRelativePath(RepositoryPaths.Root, file);

    [GeneratedRegex(@"\.(?:AddSingleton|AddHostedService|AddValidatedOptions|AddScoped|AddTransient|TryAddSingleton)<(?<types>[A-Za-z0-9_., ]+)>")]
    private static partial Regex Registration();

    [GeneratedRegex(@"^\s*(?:(?:public|internal|private|protected|file|sealed|static|partial|abstract|readonly)\s+)+(?<kind>class|record|interface|struct|enum)\s+(?<name>[A-Z][A-Za-z0-9_]*)", RegexOptions.Multiline)]
    private static partial Regex Declaration();

    [GeneratedRegex(@"public static IServiceCollection (?<name>Add[A-Za-z]+)\(this IServiceCollection")]
    private static partial Regex PublicAdd();

    [GeneratedRegex(@"services\.(?<name>Add[A-Za-z]+)\(")]
    private static partial Regex AddCall();
}
