namespace Credentials.Functions.Audit;

/// <summary>One access to a credential. Never carries a secret: ids, action, outcome and correlation only.</summary>
public sealed record AuditEvent(
    string Caller,
    string UserId,
    string? ConnectionId,
    string Action,
    string Outcome,
    string CorrelationId,
    DateTimeOffset OccurredAt,
    string? Reason = null);

/// <summary>Stable action names in the audit log.</summary>
internal static class AuditActions
{
    public const string Authorize = "authorize";
    public const string ReadAccessToken = "read_access_token";
    public const string Refresh = "refresh";
    public const string Connect = "connect";
    public const string Disconnect = "disconnect";
    public const string Purge = "purge";
    public const string Proxy = "proxy";
}
