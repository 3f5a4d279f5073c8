using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// Keeps the callback from being an open redirector: a return URL is accepted only inside an allow-listed origin and
/// path, compared on parsed components, never as a string prefix.
/// </summary>
public sealed class ReturnUrlPolicy(IOptions<ConnectOptions> options)
{
    public bool IsAllowed(string? candidate, out Uri? returnUrl)
    {
        returnUrl = null;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || !IsWebUrl(uri) || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return false;
        }

        foreach (var allowed in options.Value.AllowedReturnUrls)
        {
            if (string.Equals(uri.Scheme, allowed.Scheme, StringComparison.Ordinal)
                && string.Equals(uri.IdnHost, allowed.IdnHost, StringComparison.OrdinalIgnoreCase)
                && uri.Port == allowed.Port
                && IsUnderPath(uri.AbsolutePath, allowed.AbsolutePath))
            {
                returnUrl = uri;
                return true;
            }
        }

        return false;
    }

    internal static bool IsUsableEntry(Uri entry) =>
        entry.IsAbsoluteUri && IsWebUrl(entry) && entry.Query.Length == 0 && entry.Fragment.Length == 0 && entry.UserInfo.Length == 0;

    private static bool IsWebUrl(Uri uri) => WebUrls.IsSecureOrLoopback(uri);

    private static bool IsUnderPath(string path, string allowedPath) =>
        allowedPath == "/"
        || string.Equals(path, allowedPath, StringComparison.Ordinal)
        || path.StartsWith(allowedPath.EndsWith('/') ? allowedPath : allowedPath + "/", StringComparison.Ordinal);
}
