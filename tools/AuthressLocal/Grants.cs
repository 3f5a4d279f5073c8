using Credentials.AuthorizationSetup;

namespace Credentials.AuthressLocal;

/// <summary>
/// Authress-style grants: roles hold permissions; access records give users (or service clients) roles on resource
/// URIs. A grant cascades to every sub-resource; <c>*</c> matches any one path segment or, as a permission, anything.
/// </summary>
public sealed class Grants
{
    public Dictionary<string, List<string>> Roles { get; init; } = new(StringComparer.Ordinal);

    public List<AccessRecord> AccessRecords { get; init; } = [];

    /// <summary>
    /// The grants of authorization files (infra/authress/roles.json and, for local runs, examples/sample-callers.json), as
    /// an Authress account would hold them.
    /// </summary>
    public static Grants Load(params string[] paths)
    {
        var grants = new Grants();
        foreach (var file in paths.Select(AuthorizationFile.Load))
        {
            foreach (var role in file.Roles)
            {
                grants.Put(role);
            }

            foreach (var record in file.Records)
            {
                grants.Put(record);
            }
        }

        return grants;
    }

    /// <summary>Creates or replaces a role, as <c>POST/PUT /v1/roles</c> does.</summary>
    public void Put(AuthressRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        lock (AccessRecords)
        {
            Roles[role.RoleId] = role.Permissions.Where(p => p.Allow).Select(p => p.Action).ToList();
        }
    }

    /// <summary>Creates or replaces an access record by its id, as <c>POST/PUT /v1/records</c> does.</summary>
    public void Put(AuthressAccessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (AccessRecords)
        {
            AccessRecords.RemoveAll(r => r.RecordId == record.RecordId);
            // One grant per statement: a statement's roles apply to its own resources only.
            AccessRecords.AddRange(record.Statements.Select(statement => new AccessRecord
            {
                RecordId = record.RecordId,
                Users = record.Users.Select(u => u.UserId).ToList(),
                Roles = [.. statement.Roles],
                Resources = statement.Resources.Select(r => r.ResourceUri).ToList(),
            }));
        }
    }

    public bool Allows(string userId, string resourceUri, string permission)
    {
        lock (AccessRecords)
        {
            return AllowsUnlocked(userId, resourceUri, permission);
        }
    }

    private bool AllowsUnlocked(string userId, string resourceUri, string permission) =>
        AccessRecords.Any(record =>
            record.Users.Contains(userId, StringComparer.Ordinal)
            && record.Resources.Any(pattern => ResourceMatches(pattern, resourceUri))
            && record.Roles.SelectMany(role => Roles.GetValueOrDefault(role) ?? []).Any(action => ActionMatches(action, permission)));

    public static bool ResourceMatches(string pattern, string resourceUri)
    {
        var wanted = pattern.Trim('/').Split('/');
        var actual = resourceUri.Trim('/').Split('/');
        if (wanted.Length > actual.Length)
        {
            return false;
        }

        for (var i = 0; i < wanted.Length; i++)
        {
            if (wanted[i] != "*" && !string.Equals(wanted[i], actual[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static bool ActionMatches(string granted, string requested) =>
        granted == "*"
        || string.Equals(granted, requested, StringComparison.Ordinal)
        || requested.StartsWith(granted + ":", StringComparison.Ordinal)
        || (granted.EndsWith(":*", StringComparison.Ordinal) && requested.StartsWith(granted[..^1], StringComparison.Ordinal));
}

public sealed class AccessRecord
{
    public string? RecordId { get; init; }

    public List<string> Users { get; init; } = [];

    public List<string> Roles { get; init; } = [];

    public List<string> Resources { get; init; } = [];
}
