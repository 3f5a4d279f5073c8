namespace Credentials.Functions.Providers;

/// <summary>A provider's metadata could not be had (discovery down or inconsistent); callers answer 503, not 500.</summary>
internal sealed class ProviderUnavailableException : Exception
{
    public ProviderUnavailableException()
    {
    }

    public ProviderUnavailableException(string message)
        : base(message)
    {
    }

    public ProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
