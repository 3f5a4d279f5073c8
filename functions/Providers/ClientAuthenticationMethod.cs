namespace Credentials.Functions.Providers;

/// <summary>How the client authenticates at the token and revocation endpoints (RFC 6749 §2.3.1).</summary>
public enum ClientAuthenticationMethod
{
    ClientSecretBasic,
    ClientSecretPost,
}

internal static class ClientAuthenticationMethodNames
{
    public const string Basic = "client_secret_basic";
    public const string Post = "client_secret_post";

    public static bool TryParse(string? value, out ClientAuthenticationMethod method)
    {
        (var known, method) = value switch
        {
            Basic => (true, ClientAuthenticationMethod.ClientSecretBasic),
            Post => (true, ClientAuthenticationMethod.ClientSecretPost),
            _ => (false, default),
        };
        return known;
    }
}
