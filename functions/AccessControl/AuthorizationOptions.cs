namespace Credentials.Functions.AccessControl;

public sealed class AuthorizationOptions
{
    public const string SectionName = "Authorization";

    /// <summary>Whether a user token whose <c>sub</c> is the user may create, list and delete (never read) its own connections.</summary>
    public bool SelfService { get; set; } = true;

    /// <summary>How long an Authress allow is reused (0 disables). At most 60 s: a revoked grant still works this long.</summary>
    public TimeSpan AllowCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an Authress deny is reused (0 disables). At most 5 s, so a new grant takes effect quickly.</summary>
    public TimeSpan DenyCacheDuration { get; set; } = TimeSpan.FromSeconds(2);
}
