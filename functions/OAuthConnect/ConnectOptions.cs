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
    /// Who finishes a connection after the callback; see <see cref="CompletionMode"/>. A pending connection (mode
    /// <see cref="CompletionMode.User"/>) expires after <see cref="StateLifetime"/> too.
    /// </summary>
    public CompletionMode Completion { get; set; } = CompletionMode.User;
}
