using System.Collections.Concurrent;
using System.Globalization;

namespace Credentials.AuthressLocal;

/// <summary>The roles and access-records routes of the local Authress endpoint, used by authorization as code.</summary>
public sealed partial class AuthressLocalServer
{
    /// <summary>Roles and access records written through the API, by id.</summary>
    private readonly ConcurrentDictionary<string, Api.Role> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Api.AccessRecord> _records = new(StringComparer.Ordinal);

    /// <summary>The lifetime (<c>exp - iat</c>) of each service-client token the roles and records routes accepted.</summary>
    public IReadOnlyCollection<TimeSpan> AdministrationTokenLifetimes => _administrationTokenLifetimes;

    private readonly ConcurrentQueue<TimeSpan> _administrationTokenLifetimes = new();

    /// <summary>How many role and record writes (POST, PUT) were made through the API.</summary>
    public int AdministrationWrites => Volatile.Read(ref _administrationWrites);

    private int _administrationWrites;

    /// <summary>
    /// Authress's roles and access-records routes (the subset authorization-as-code uses), for authenticated service
    /// clients, answering as the API description has it: <c>POST</c> 201 with the object; <c>PUT</c> a role 200 with it,
    /// a record 202; <c>GET</c> 200, a record with its read-only <c>status</c>, <c>account</c>, <c>links</c>,
    /// <c>lastUpdated</c> and a <c>Last-Modified</c> header; 404 when absent. A written role or record takes effect in the
    /// grants at once.
    /// </summary>
    private void MapAuthorizationAdministration(WebApplication app)
    {
        app.MapGet("/v1/roles/{roleId}", (HttpContext http, string roleId) =>
            !IsAdministrator(http) ? Unauthorized() : _roles.TryGetValue(roleId, out var role) ? Results.Json(role, Api.ApiJson.Options) : Results.NotFound());
        app.MapGet("/v1/records/{recordId}", (HttpContext http, string recordId) =>
            !IsAdministrator(http) ? Unauthorized() : _records.TryGetValue(recordId, out var record) ? RecordResult(http, record, 200) : Results.NotFound());
        app.MapPost("/v1/roles", (HttpContext http, Api.Role role) => WriteRole(http, role, create: true));
        app.MapPut("/v1/roles/{roleId}", (HttpContext http, string roleId, Api.Role role) =>
            role.RoleId == roleId ? WriteRole(http, role, create: false) : Results.BadRequest(new { errorCode = "IdMismatch" }));
        app.MapPost("/v1/records", (HttpContext http, Api.AccessRecord record) => WriteRecord(http, record, create: true));
        app.MapPut("/v1/records/{recordId}", (HttpContext http, string recordId, Api.AccessRecord record) =>
            record.RecordId == recordId ? WriteRecord(http, record, create: false) : Results.BadRequest(new { errorCode = "IdMismatch" }));
    }

    private IResult WriteRole(HttpContext http, Api.Role role, bool create)
    {
        if (!IsAdministrator(http))
        {
            return Unauthorized();
        }

        if (create && _roles.ContainsKey(role.RoleId))
        {
            return Results.Conflict(new { errorCode = "AlreadyExists" });
        }

        Interlocked.Increment(ref _administrationWrites);
        _roles[role.RoleId] = role;
        Grants.Put(role);
        return Results.Json(role, Api.ApiJson.Options, statusCode: create ? 201 : 200);
    }

    private IResult WriteRecord(HttpContext http, Api.AccessRecord record, bool create)
    {
        if (!IsAdministrator(http))
        {
            return Unauthorized();
        }

        // Authress makes up an id when none is given.
        var recordId = record.RecordId ?? "rec_" + Guid.NewGuid().ToString("N")[..12];
        if (create && _records.ContainsKey(recordId))
        {
            return Results.Conflict(new { errorCode = "AlreadyExists" });
        }

        if (!create && !_records.ContainsKey(recordId))
        {
            return Results.NotFound();
        }

        Interlocked.Increment(ref _administrationWrites);
        var stored = record with
        {
            RecordId = recordId,
            Status = "ACTIVE",
            Account = new Api.AccountLink(AccountId),
            Links = new Api.Links(new Api.Link($"{Origin}/v1/records/{Uri.EscapeDataString(recordId)}")),
            LastUpdated = DateTimeOffset.UtcNow,
        };
        _records[recordId] = stored;
        Grants.Put(stored);
        return create ? RecordResult(http, stored, 201) : Results.Accepted();
    }

    private static IResult RecordResult(HttpContext http, Api.AccessRecord record, int status)
    {
        http.Response.Headers.LastModified = record.LastUpdated!.Value.ToString("R", CultureInfo.InvariantCulture);
        return Results.Json(record, Api.ApiJson.Options, statusCode: status);
    }

    private bool IsAdministrator(HttpContext http)
    {
        if (ServiceClientClaims(http.Request.Headers.Authorization.ToString()) is not { } claims)
        {
            return false;
        }

        _administrationTokenLifetimes.Enqueue(TimeSpan.FromSeconds(
            (claims.TryGetProperty("exp", out var exp) ? exp.GetInt64() : long.MaxValue / 2) - (claims.TryGetProperty("iat", out var iat) ? iat.GetInt64() : 0)));
        return true;
    }

}
