namespace Credentials.Functions.Crypto.KeySources;

/// <summary>The key source could not be read (throttled, unreachable, forbidden) and no cached keys can stand in.</summary>
internal sealed class MasterKeyUnavailableException : Exception
{
    public MasterKeyUnavailableException()
    {
    }

    public MasterKeyUnavailableException(string message)
        : base(message)
    {
    }

    public MasterKeyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
