using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Credentials.AuthorizationSetup;

public enum ChangeKind
{
    Create,
    Update,
    Unchanged,
}

/// <summary>One role or access record and what applying the file does (or, in a dry run, would do) to it.</summary>
public sealed record AuthorizationChange(string Kind, string Id, ChangeKind Change, string? Difference = null)
{
    public override string ToString() => $"{Change.ToString().ToLowerInvariant(),-9} {Kind} {Id}{(Difference is null ? string.Empty : "  " + Difference)}";
}

/// <summary>
/// Applies an <see cref="AuthorizationFile"/> idempotently through Authress's roles and access-records API: read each by
/// id; create it when absent (404), replace it when a field the file sets differs, leave it alone when equal. A dry run
/// reads only. Objects in the account that the file does not name are never touched.
/// </summary>
public sealed class AuthorizationApplier(HttpClient authress)
{
    public async Task<IReadOnlyList<AuthorizationChange>> ApplyAsync(AuthorizationFile file, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var changes = new List<AuthorizationChange>();
        foreach (var role in file.Roles)
        {
            changes.Add(await ApplyAsync("role", role.RoleId, "v1/roles", role, dryRun, cancellationToken));
        }

        foreach (var record in file.Records)
        {
            changes.Add(await ApplyAsync("record", record.RecordId, "v1/records", record, dryRun, cancellationToken));
        }

        return changes;
    }

    private async Task<AuthorizationChange> ApplyAsync<T>(string kind, string id, string collection, T desired, bool dryRun, CancellationToken cancellationToken)
    {
        var wanted = JsonSerializer.SerializeToNode(desired, AuthorizationFile.Format)!.AsObject();
        using var current = await authress.GetAsync($"{collection}/{Uri.EscapeDataString(id)}", cancellationToken);
        if (current.StatusCode == HttpStatusCode.NotFound)
        {
            if (!dryRun)
            {
                using var created = await authress.PostAsJsonAsync(collection, wanted, AuthorizationFile.Format, cancellationToken);
                await EnsureSuccessAsync(created, $"creating {kind} {id}");
            }

            return new AuthorizationChange(kind, id, ChangeKind.Create);
        }

        await EnsureSuccessAsync(current, $"reading {kind} {id}");
        var existing = (await current.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
        var differing = wanted.Where(property => !JsonNode.DeepEquals(property.Value, existing[property.Key])).Select(property => property.Key).ToList();
        if (differing.Count == 0)
        {
            return new AuthorizationChange(kind, id, ChangeKind.Unchanged);
        }

        if (!dryRun)
        {
            using var replaced = await authress.PutAsJsonAsync($"{collection}/{Uri.EscapeDataString(id)}", wanted, AuthorizationFile.Format, cancellationToken);
            await EnsureSuccessAsync(replaced, $"updating {kind} {id}");
        }

        return new AuthorizationChange(kind, id, ChangeKind.Update, "differs in: " + string.Join(", ", differing));
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"Authress refused {what}: HTTP {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        }
    }
}
