namespace Credentials.Functions.OAuthConnect;

public sealed class ConnectOptions
{
    public const string SectionName = "Connect";

    /// <summary>
    /// Where the OAuth callback may send the browser back to: a return URL must have the same scheme, host and port as an
    /// entry and a path under the entry's path. Empty means no return URLs: the callback shows its own result page.
    /// </summary>
    public IList<Uri> AllowedReturnUrls { get; } = [];

    /// <summary>How long a started authorization may take before its state expires (single use either way).</summary>
    public TimeSpan StateLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Who finishes a connection after the callback; see <see cref="CompletionMode"/>.
    /// </summary>
    public CompletionMode Completion { get; set; } = CompletionMode.User;

    /// <summary>
    /// How long a pending connection (mode <see cref="CompletionMode.User"/>) and its one-time completion code wait for
    /// the completion, and how long the browser keeps the binding cookie.
    /// </summary>
    public TimeSpan CompletionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How the callback hands its result to a return URL unless the start request chose; see <see cref="ResponseMode"/>.</summary>
    public ResponseMode ResponseMode { get; set; } = ResponseMode.Fragment;

    /// <summary>
    /// Local development only: the browser-binding cookie is set without the <c>__Host-</c> prefix and without
    /// <c>Secure</c>, for browsers that refuse Secure cookies from <c>http://</c> loopback origins. Accepted only while
    /// <c>Service:PublicBaseUrl</c> is an http loopback URL.
    /// </summary>
    public bool InsecureDevelopmentCookie { get; set; }
}
