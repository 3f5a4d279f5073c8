namespace Credentials.Functions.Foundation.Configuration;

public sealed class ServiceOptions
{
    public const string SectionName = "Service";

    /// <summary>Absolute URL at which callers and OAuth providers reach this app (the OAuth redirect URI is built from it).</summary>
    public Uri? PublicBaseUrl { get; set; }
}
