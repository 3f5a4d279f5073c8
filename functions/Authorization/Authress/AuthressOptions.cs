namespace Credentials.Functions.Authorization.Authress;

public sealed class AuthressOptions
{
    public const string SectionName = "Authress";

    /// <summary>The account's API host or custom domain, e.g. <c>https://login.example.com</c> or <c>https://acct.api.authress.io</c>.</summary>
    public Uri? ApiBaseUrl { get; set; }

    /// <summary>Service-client access key <c>clientId.keyId.accountId.privateKey</c>. A secret: a Key Vault reference in Azure.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Timeout of one call to Authress.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Further tries after a network error or 5xx (never after 429).</summary>
    public int MaxRetries { get; set; } = 2;
}
