namespace Credentials.Functions.AccessControl.Authress;

public sealed class AuthressOptions
{
    public const string SectionName = "Authress";

    /// <summary>The account's API host or custom domain, e.g. <c>https://login.example.com</c> or <c>https://acct.api.authress.io</c>.</summary>
    public Uri? ApiBaseUrl { get; set; }

    /// <summary>Service-client access key <c>clientId.keyId.accountId.privateKey</c>. A secret: a Key Vault reference in Azure.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Timeout of one call to Authress.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Budget of one authorization decision, retries included: inside a caller's usual HTTP timeout, so that a hanging
    /// Authress answers <c>503</c> in time instead of the caller giving up first.
    /// </summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Further tries after a network error or 5xx (never after 429).</summary>
    public int MaxRetries { get; set; } = 2;
}
