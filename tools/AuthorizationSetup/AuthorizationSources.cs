using System.Text.RegularExpressions;

namespace Credentials.AuthorizationSetup;

/// <summary>
/// Which files of infra/authress make up what is applied: the shared roles (roles.json), the grants of exactly one
/// environment (environments/&lt;name&gt;.json) and only the examples named explicitly (examples/&lt;name&gt;.json), so
/// sample callers never reach an environment by default.
/// </summary>
public static partial class AuthorizationSources
{
    public const string DefaultDirectory = "infra/authress";

    /// <summary>The roles, the environment's records and the named examples' records, merged and checked.</summary>
    public static AuthorizationFile Compose(string directory, string environment, IEnumerable<string> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var roles = AuthorizationFile.Load(Path.Combine(directory, "roles.json"));
        var files = new List<string> { Required(directory, "environments", environment) };
        files.AddRange(examples.Select(example => Required(directory, "examples", example)));
        var records = files.SelectMany(file => AuthorizationFile.Load(file).Records).ToList();
        if (files.Select(AuthorizationFile.Load).Any(file => file.Roles.Count > 0))
        {
            throw new InvalidDataException($"Roles are defined once, in {Path.Combine(directory, "roles.json")}; environment and example files hold only records.");
        }

        var duplicate = records.GroupBy(r => r.RecordId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"The access record {duplicate.Key} is defined more than once in {string.Join(", ", files)}.");
        }

        var known = roles.Roles.Select(r => r.RoleId).ToHashSet(StringComparer.Ordinal);
        var unknown = records.SelectMany(r => r.Statements.SelectMany(s => s.Roles).Where(role => !known.Contains(role)).Select(role => (r.RecordId, role))).FirstOrDefault();
        if (unknown.role is not null)
        {
            throw new InvalidDataException($"The access record {unknown.RecordId} grants the role {unknown.role}, which roles.json does not define.");
        }

        return new AuthorizationFile(roles.Roles, records);
    }

    private static string Required(string directory, string folder, string name)
    {
        if (!Name().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a name of {folder}/ (lower-case letters, digits and dashes).", nameof(name));
        }

        var path = Path.Combine(directory, folder, name + ".json");
        return File.Exists(path) ? path : throw new FileNotFoundException($"No {path}: create it (its records may be empty) to apply the {folder[..^1]} '{name}'.", path);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex Name();
}
