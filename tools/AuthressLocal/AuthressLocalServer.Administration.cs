using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Credentials.AuthorizationSetup;

namespace Credentials.AuthressLocal;

/// <summary>The roles and access-records routes of the local Authress endpoint, used by authorization as code.</summary>
public sealed partial class AuthressLocalServer
{
    /// <summary>Roles and access records written through the API, by id, as stored (GET returns what was written).</summary>
    private readonly ConcurrentDictionary<string, JsonObject> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonObject> _records = new(StringComparer.Ordinal);

    /// <summary>The lifetime (<c>exp - iat</c>) of each service-client token the roles and records routes accepted.</summary>
    public IReadOnlyCollection<TimeSpan> AdministrationTokenLifetimes => _administrationTokenLifetimes;

    private readonly ConcurrentQueue<TimeSpan> _administrationTokenLifetimes = new();

    /// <summary>How many role and record writes (POST, PUT) were made through the API.</summary>
    public int AdministrationWrites => Volatile.Read(ref _administrationWrites);

    private int _administrationWrites;

    /// <summary>
    /// Authress's roles and access-records routes (the subset authorization-as-code uses): GET, POST and PUT by id, for
    /// authenticated service clients. A written role or record takes effect in the grants at once.
    /// </summary>
    private void MapAuthorizationAdministration(WebApplication app)
    {
        app.MapGet("/v1/roles/{roleId}", (HttpContext http, string roleId) => Read(http, _roles, roleId));
        app.MapGet("/v1/records/{recordId}", (HttpContext http, string recordId) => Read(http, _records, recordId));
        app.MapPost("/v1/roles", (HttpContext http, AuthressRole role) => WriteRole(http, role, create: true));
        app.MapPut("/v1/roles/{roleId}", (HttpContext http, string roleId, AuthressRole role) =>
            role.RoleId == roleId ? WriteRole(http, role, create: false) : Results.BadRequest(new { errorCode = "IdMismatch" }));
        app.MapPost("/v1/records", (HttpContext http, AuthressAccessRecord record) => WriteRecord(http, record, create: true));
        app.MapPut("/v1/records/{recordId}", (HttpContext http, string recordId, AuthressAccessRecord record) =>
            record.RecordId == recordId ? WriteRecord(http, record, create: false) : Results.BadRequest(new { errorCode = "IdMismatch" }));
    }

    private IResult Read(HttpContext http, ConcurrentDictionary<string, JsonObject> store, string id) =>
        !IsAdministrator(http) ? Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401)
        : store.TryGetValue(id, out var stored) ? Results.Json(stored)
        : Results.NotFound();

    private IResult WriteRole(HttpContext http, AuthressRole role, bool create)
    {
        if (!IsAdministrator(http))
        {
            return Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401);
        }

        if (create && _roles.ContainsKey(role.RoleId))
        {
            return Results.Conflict(new { errorCode = "AlreadyExists" });
        }

        Interlocked.Increment(ref _administrationWrites);
        _roles[role.RoleId] = ToNode(role);
        Grants.Put(role);
        return create ? Results.Json(role, statusCode: 201) : Results.Json(role);
    }

    private IResult WriteRecord(HttpContext http, AuthressAccessRecord record, bool create)
    {
        if (!IsAdministrator(http))
        {
            return Results.Json(new { errorCode = "Unauthorized" }, statusCode: 401);
        }

        if (create && _records.ContainsKey(record.RecordId))
        {
            return Results.Conflict(new { errorCode = "AlreadyExists" });
        }

        Interlocked.Increment(ref _administrationWrites);
        _records[record.RecordId] = ToNode(record);
        Grants.Put(record);
        return create ? Results.Json(record, statusCode: 201) : Results.Json(record);
    }

    private static JsonObject ToNode<T>(T value) =>
        JsonSerializer.SerializeToNode(value, AuthorizationFile.Format)!.AsObject();

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
