using System.Text.Json;
using System.Text.Json.Serialization;

namespace Credentials.ImportGrants;

/// <summary>
/// One line of the input: a grant the older system holds. <see cref="ConnectionId"/> defaults to the provider id, as
/// when connecting. The body sent is the service's import request; the ids go into the URL.
/// </summary>
public sealed record GrantLine(
    [property: JsonPropertyName("userId")] string? UserId,
    [property: JsonPropertyName("connectionId")] string? ConnectionId,
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("refreshToken")] string? RefreshToken,
    [property: JsonPropertyName("scopes")] IReadOnlyList<string>? Scopes = null,
    [property: JsonPropertyName("accessToken")] string? AccessToken = null,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset? ExpiresAt = null,
    [property: JsonPropertyName("replace")] bool Replace = false)
{
    public string? Connection => ConnectionId ?? Provider;

    public override string ToString() => $"GrantLine {{ UserId = {UserId}, ConnectionId = {Connection}, Provider = {Provider}, RefreshToken = *** }}";

    /// <summary>The line as a grant, or why not (never quoting the line: it holds a token).</summary>
    public static (GrantLine? Line, string? Error) Parse(string text)
    {
        GrantLine? line;
        try
        {
            line = JsonSerializer.Deserialize<GrantLine>(text);
        }
        catch (JsonException exception)
        {
            return (null, $"not a JSON object of the line format (at byte {exception.BytePositionInLine ?? 0})");
        }

        return line switch
        {
            null => (null, "not a JSON object of the line format"),
            { UserId: not { Length: > 0 } } => (null, "\"userId\" is missing"),
            { Provider: not { Length: > 0 } } => (null, "\"provider\" is missing"),
            { RefreshToken: not { Length: > 0 } } => (null, "\"refreshToken\" is missing"),
            _ => (line, null),
        };
    }

    public object Body => new ImportBody(Provider!, RefreshToken!, Scopes, AccessToken, ExpiresAt, Replace);

    private sealed record ImportBody(
        [property: JsonPropertyName("provider")] string Provider,
        [property: JsonPropertyName("refreshToken")] string RefreshToken,
        [property: JsonPropertyName("scopes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Scopes,
        [property: JsonPropertyName("accessToken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AccessToken,
        [property: JsonPropertyName("expiresAt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ExpiresAt,
        [property: JsonPropertyName("replace")] bool Replace)
    {
        public override string ToString() => "ImportBody { *** }";
    }
}

/// <summary>What became of a line.</summary>
public static class LineOutcomes
{
    public const string Imported = "imported";

    /// <summary>Nothing to do: imported before (the service recognised the grant), or the connection is in use and the line did not ask to replace it.</summary>
    public const string Skipped = "skipped";

    public const string Failed = "failed";
}

/// <summary>One line's result, as the progress file holds it (one JSON object a line): the checkpoint and the report.</summary>
public sealed record LineResult(
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("userId")] string? UserId,
    [property: JsonPropertyName("connectionId")] string? ConnectionId,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("status")] int? Status = null);
