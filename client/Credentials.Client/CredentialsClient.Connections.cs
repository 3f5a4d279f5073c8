using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Polly;
using Polly.CircuitBreaker;

namespace Credentials.Client;

// The connection routes: list, get, metadata, secret and import. Same caller token, retries and bounded time as the token calls.
internal sealed partial class CredentialsClient
{
    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public async Task<ConnectionListResult> ListConnectionsAsync(
        string userId, IReadOnlyDictionary<string, string>? metadata = null, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var query = new StringBuilder();
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            query.Append(query.Length == 0 ? '?' : '&').Append("metadata.").Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        if (!string.IsNullOrEmpty(continuationToken))
        {
            query.Append(query.Length == 0 ? '?' : '&').Append("continuationToken=").Append(Uri.EscapeDataString(continuationToken));
        }

        var outcome = await CallAsync(HttpMethod.Get, $"api/users/{Uri.EscapeDataString(userId)}/connections{query}", null, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            return new ConnectionListResult(failure.Status, [], RetryAfter: failure.RetryAfter, ProblemCode: failure.ProblemCode) { Exception = failure.Exception };
        }

        var page = outcome.Body!.Value;
        var connections = page.TryGetProperty("connections", out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().Select(ConnectionOf).ToList()
            : [];
        var next = page.TryGetProperty("continuationToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;
        return new ConnectionListResult(ConnectionCallStatus.Succeeded, connections, next);
    }

    public Task<ConnectionResult> GetConnectionAsync(string userId, string connectionId, CancellationToken cancellationToken = default) =>
        ConnectionCallAsync(HttpMethod.Get, userId, connectionId, string.Empty, null, cancellationToken);

    public Task<ConnectionResult> UpdateMetadataAsync(
        string userId, string connectionId, IReadOnlyDictionary<string, string?> patch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var content = JsonContent.Create(patch, new MediaTypeHeaderValue("application/merge-patch+json"));
        return ConnectionCallAsync(HttpMethod.Patch, userId, connectionId, "/metadata", content, cancellationToken);
    }

    public async Task<ConnectionResult> SubmitSecretAsync(string userId, string connectionId, ConnectionSecret secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var body = JsonContent.Create(new SecretBody(secret.Provider, secret.Secret, secret.Username, secret.Password), options: BodyJson);
        var result = await ConnectionCallAsync(HttpMethod.Put, userId, connectionId, "/secret", body, cancellationToken);
        // A token or key this process cached for the connection is the old one now.
        store.Forget(TokenKey.Of(userId, connectionId));
        return result;
    }

    public async Task<ConnectionResult> ImportGrantAsync(string userId, string connectionId, GrantImport grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentException.ThrowIfNullOrEmpty(grant.Provider);
        ArgumentException.ThrowIfNullOrEmpty(grant.RefreshToken);
        var body = JsonContent.Create(new ImportBody(grant.Provider, grant.RefreshToken, grant.Scopes, grant.Replace ? true : null), options: BodyJson);
        var result = await ConnectionCallAsync(HttpMethod.Post, userId, connectionId, "/import", body, cancellationToken);
        store.Forget(TokenKey.Of(userId, connectionId));
        return result;
    }

    private async Task<ConnectionResult> ConnectionCallAsync(
        HttpMethod method, string userId, string connectionId, string suffix, HttpContent? content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        var path = $"api/users/{Uri.EscapeDataString(userId)}/connections/{Uri.EscapeDataString(connectionId)}{suffix}";
        var outcome = await CallAsync(method, path, content, cancellationToken);
        return outcome.Failure ?? new ConnectionResult(outcome.Status, ConnectionOf(outcome.Body!.Value), outcome.RetryAfter);
    }

    private async Task<CallOutcome> CallAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        string callerToken;
        try
        {
            callerToken = await options.Value.CallerToken!(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            return CallOutcome.Failed(new ConnectionResult(ConnectionCallStatus.CallerTokenFailed, ProblemCode: ClientProblemCodes.CallerTokenFailed) { Exception = exception });
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", callerToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
            && exception is HttpRequestException or ExecutionRejectedException or OperationCanceledException)
        {
            var code = exception is HttpRequestException or BrokenCircuitException ? ClientProblemCodes.ServiceUnreachable : ClientProblemCodes.ServiceTimeout;
            return CallOutcome.Failed(new ConnectionResult(ConnectionCallStatus.Unavailable, RetryAfter: options.Value.UnavailableRetryAfter, ProblemCode: code) { Exception = exception });
        }

        using (response)
        {
            var status = ConnectionStatusOf(response.StatusCode, null);
            if (status is ConnectionCallStatus.Succeeded or ConnectionCallStatus.Created or ConnectionCallStatus.Pending)
            {
                try
                {
                    using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    var retryAfter = status == ConnectionCallStatus.Pending ? RetryAfterOf(response) ?? options.Value.UnavailableRetryAfter : (TimeSpan?)null;
                    return new CallOutcome(status, document.RootElement.Clone(), retryAfter, null);
                }
                catch (JsonException)
                {
                    // A 2xx that is not the service's JSON: another server at the base address.
                    return CallOutcome.Failed(new ConnectionResult(ConnectionCallStatus.ServiceNotFound));
                }
            }

            var problemCode = await ProblemCodeAsync(response);
            status = ConnectionStatusOf(response.StatusCode, problemCode);
            var wait = status == ConnectionCallStatus.Unavailable ? RetryAfterOf(response) ?? options.Value.UnavailableRetryAfter : (TimeSpan?)null;
            return CallOutcome.Failed(new ConnectionResult(status, RetryAfter: wait, ProblemCode: problemCode));
        }
    }

    // <summary>The status of a connection call's answer; docs/client.md has the same table.</summary>
    internal static ConnectionCallStatus ConnectionStatusOf(HttpStatusCode status, string? code) => status switch
    {
        HttpStatusCode.OK => ConnectionCallStatus.Succeeded,
        HttpStatusCode.Created => ConnectionCallStatus.Created,
        HttpStatusCode.Accepted => ConnectionCallStatus.Pending,
        HttpStatusCode.BadRequest when code is "secret_rejected" => ConnectionCallStatus.Rejected,

        HttpStatusCode.UnprocessableEntity when code is "import_grant_rejected" => ConnectionCallStatus.Rejected,
        HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => ConnectionCallStatus.InvalidRequest,
        HttpStatusCode.NotFound when code is null or "not_found" => ConnectionCallStatus.ServiceNotFound,
        HttpStatusCode.NotFound => ConnectionCallStatus.NotFound,
        HttpStatusCode.Conflict => ConnectionCallStatus.Conflict,
        HttpStatusCode.Unauthorized => ConnectionCallStatus.Unauthenticated,
        HttpStatusCode.Forbidden => ConnectionCallStatus.Forbidden,
        _ => ConnectionCallStatus.Unavailable,
    };

    private static UserConnection ConnectionOf(JsonElement json)
    {
        string? Text(string name) => json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        DateTimeOffset? Time(string name) => json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;
        var scopes = json.TryGetProperty("scopes", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(scope => scope.GetString() ?? string.Empty).ToList()
            : [];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.TryGetProperty("metadata", out var tags) && tags.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in tags.EnumerateObject().Where(tag => tag.Value.ValueKind == JsonValueKind.String))
            {
                metadata[tag.Name] = tag.Value.GetString()!;
            }
        }

        return new UserConnection(Text("connectionId") ?? string.Empty, Text("provider") ?? string.Empty, Text("status") ?? string.Empty,
            Text("kind") ?? "oauth", scopes, metadata, Time("createdAt") ?? default, Time("updatedAt") ?? default, Time("accessTokenExpiresAt"), Text("lastErrorCode"));
    }

    private sealed record SecretBody(string Provider, string? Secret, string? Username, string? Password);

    private sealed record ImportBody(string Provider, string RefreshToken, IReadOnlyList<string>? Scopes, bool? Replace);

    private readonly record struct CallOutcome(ConnectionCallStatus Status, JsonElement? Body, TimeSpan? RetryAfter, ConnectionResult? Failure)
    {
        public static CallOutcome Failed(ConnectionResult failure) => new(failure.Status, null, null, failure);
    }
}
