using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Credentials.SandboxProvider;

/// <summary>
/// Obtains a grant from a sandbox provider over HTTP the way any OAuth client does (authorization code with PKCE,
/// consent posted as a chosen user), for a sandbox in this process or one <c>run.sh</c> started. Tests and the import
/// benchmark use it to stand in for the older system whose grants are imported.
/// </summary>
public static class SandboxGrants
{
    /// <summary>A client that does not follow redirects: the code is read from the redirect, which is never followed.</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public static async Task<string> IssueRefreshTokenAsync(HttpClient http, Uri sandbox, string clientId, string clientSecret, Uri redirectUri,
        string subject, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(redirectUri);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        using var consent = await http.PostAsync(new Uri(sandbox, "connect/authorize"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["scope"] = string.Join(' ', scopes),
            ["state"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            [AuthorizationEndpoint.UserField] = subject,
            [AuthorizationEndpoint.DecisionField] = "approve",
        }), cancellationToken);
        var location = consent.Headers.Location ?? throw new InvalidOperationException($"The sandbox did not redirect with a code (HTTP {(int)consent.StatusCode}).");
        var code = QueryHelpers.ParseQuery(location.Query)["code"].ToString();
        using var exchanged = await http.PostAsync(new Uri(sandbox, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
            ["code_verifier"] = verifier,
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
        }), cancellationToken);
        exchanged.EnsureSuccessStatusCode();
        var tokens = await exchanged.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return tokens.GetProperty("refresh_token").GetString() ?? throw new InvalidOperationException("The sandbox issued no refresh token (ask for offline_access).");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
