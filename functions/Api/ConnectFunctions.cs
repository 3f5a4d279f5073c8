using System.Text.Json;
using Credentials.Functions.AccessControl;
using Credentials.Functions.Hosting.Pipeline;
using Credentials.Functions.OAuthConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>The connect flow: start an authorization for a user, and receive the provider's redirect back.</summary>
public sealed class ConnectFunctions(ConnectionStarter starter, OAuthCallbackHandler callbacks, ConnectionCompleter completer)
{
    private const int MaxBodyBytes = 16 * 1024;

    [Function("StartConnection")]
    [RequiresPermission(CredentialPermissions.Create)]
    public async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/connections")] HttpRequest request,
        string userId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = AdmittedCaller.Of(request).Caller;
        var http = request.HttpContext;
        if (await ReadJsonAsync<StartConnectionRequest>(request.Body, http.RequestAborted) is not { } body)
        {
            return ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "The body is not a valid start request.",
                $"Send at most {MaxBodyBytes} bytes of JSON: {{ \"provider\": \"...\", \"connectionId\"?: \"...\", \"scopes\"?: [\"...\"], \"returnUrl\"?: \"...\" }}.");
        }

        var result = await starter.StartAsync(caller, userId, body, CorrelationId.Establish(http), http.RequestAborted);
        if (result.Rejection is { } rejection)
        {
            if (rejection.Status == StatusCodes.Status503ServiceUnavailable)
            {
                http.Response.Headers.RetryAfter = "30";
            }

            return ProblemResults.Create(http, rejection.Status, rejection.Code, rejection.Title, rejection.Detail);
        }

        return new ObjectResult(result.Started) { StatusCode = StatusCodes.Status201Created };
    }

    /// <summary>Anonymous by design: the single-use state is what authenticates the redirect.</summary>
    [Function("OAuthCallback")]
    public async Task<IActionResult> Callback(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/oauth/callback/{provider}")] HttpRequest request,
        string provider)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        var response = new AuthorizationResponse(
            Single(query, "state"), Single(query, "code"), Single(query, "error"), Single(query, "iss"));
        var outcome = await callbacks.HandleAsync(provider, response, CorrelationId.Establish(request.HttpContext), request.HttpContext.RequestAborted);
        return CallbackResponses.For(request.HttpContext, outcome);
    }

    /// <summary>The user finishes a pending connection with the one-time code the callback gave their browser.</summary>
    [Function("CompleteConnection")]
    [RequiresPermission(CredentialPermissions.CompleteOwn)]
    public async Task<IActionResult> Complete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/connections/{connectionId}/complete")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = AdmittedCaller.Of(request).Caller;
        var http = request.HttpContext;
        if ((await ReadJsonAsync<CompleteConnectionRequest>(request.Body, http.RequestAborted))?.Completion is not { Length: > 0 } completion)
        {
            return ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "The body is not a valid completion request.",
                "Send { \"completion\": \"...\" } with the code the callback returned.");
        }

        var result = await completer.CompleteAsync(caller.Id, userId, connectionId, completion, CorrelationId.Establish(http), http.RequestAborted);
        return result switch
        {
            { Connection: { } record } => new OkObjectResult(ConnectionMetadata.From(record)),
            { Status: CompletionStatus.CompletionExpired } => ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.CompletionExpired,
                "The completion code has expired.", "Nothing was connected and the provider's grant was revoked; start connecting again."),
            _ => ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidCompletion,
                "The completion code is not valid.", "It is unknown, already used, or was issued for another user or connection; nothing was connected."),
        };
    }

    /// <summary>The JSON body as <typeparamref name="T"/>, or null when it is larger than <see cref="MaxBodyBytes"/> or not such JSON.</summary>
    private static async Task<T?> ReadJsonAsync<T>(Stream body, CancellationToken cancellationToken)
        where T : class
    {
        if (await ReadLimitedAsync(body, cancellationToken) is not { } json)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json.Span);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The body, or null when it is larger than <see cref="MaxBodyBytes"/> (read no further than that).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBodyBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return total > MaxBodyBytes ? null : buffer.AsMemory(0, total);
    }

    /// <summary>A parameter sent twice is treated as absent (RFC 6749 §3.1: parameters must not be repeated).</summary>
    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;
}
