namespace Credentials.Functions.OAuthConnect;

/// <summary>
/// How the callback hands its result (and a one-time completion code) to the application's return URL. Neither puts the
/// code where servers, proxies, logs or a <c>Referer</c> would carry it.
/// </summary>
public enum ResponseMode
{
    /// <summary>A redirect to the return URL with the result in its fragment (<c>#status=pending&amp;completion=…</c>), which browsers never send to a server.</summary>
    Fragment,

    /// <summary>A page that POSTs the result as a form to the return URL (the application's server receives it in the body).</summary>
    FormPost,
}

/// <summary>Who will present the completion code, declared when the connection is started.</summary>
public enum CompletionBinding
{
    /// <summary>The browser that consented: the callback sets a binding cookie there, and only a completion carrying it succeeds.</summary>
    Browser,

    /// <summary>The application's server, with its own call signed in as the user: no cookie is set or required.</summary>
    Server,
}
