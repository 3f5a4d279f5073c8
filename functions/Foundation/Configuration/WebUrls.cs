namespace Credentials.Functions.Foundation.Configuration;

/// <summary>The one rule for every URL the service is configured with or sends a browser to: https, or http on loopback only.</summary>
internal static class WebUrls
{
    public static bool IsSecureOrLoopback(Uri? uri) =>
        uri is { IsAbsoluteUri: true }
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
