using System.Net;
using System.Net.Http.Headers;
using Credentials.Functions.AccessControl.Authress;

namespace Credentials.AuthorizationSetup;

/// <summary>
/// Signs every administration request with a fresh service-client token that lives <see cref="Lifetime"/> at most: the
/// key may manage every grant of the account, so a token copied from a log or proxy must be worth little and not for long.
/// </summary>
public sealed class AdministrationTokens(AuthressServiceTokenProvider tokens) : DelegatingHandler(new HttpClientHandler())
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintShortLived(Lifetime));
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// The Authress URL, if it may carry an administration token: https, or http only to a loopback address and only
    /// when <paramref name="allowHttpLoopback"/> (a local Authress endpoint in development and tests).
    /// </summary>
    public static bool TryCheckUrl(string url, bool allowHttpLoopback, out Uri? baseUrl, out string? problem)
    {
        baseUrl = null;
        problem = null;
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var parsed) || !string.IsNullOrEmpty(parsed.UserInfo))
        {
            problem = $"'{url}' is not an absolute URL without credentials.";
            return false;
        }

        var loopback = parsed.IsLoopback || (IPAddress.TryParse(parsed.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        if (parsed.Scheme == Uri.UriSchemeHttps || (parsed.Scheme == Uri.UriSchemeHttp && loopback && allowHttpLoopback))
        {
            baseUrl = parsed;
            return true;
        }

        problem = parsed.Scheme == Uri.UriSchemeHttp && loopback
            ? $"{url} is http: pass --allow-http-loopback to use a local Authress endpoint."
            : $"{url} is not https: the administration token must not travel in clear text.";
        return false;
    }
}
