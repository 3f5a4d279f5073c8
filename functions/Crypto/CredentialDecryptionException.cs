namespace Credentials.Functions.Crypto;

internal enum DecryptionFailure
{
    /// <summary>Not an envelope this code can parse (truncated, wrong lengths).</summary>
    Malformed,

    /// <summary>An envelope format version this code does not know.</summary>
    UnsupportedFormat,

    /// <summary>The key version named in the envelope is not (or no longer) an enabled master key version.</summary>
    UnknownKeyVersion,

    /// <summary>Authentication failed: tampered bytes, a ciphertext from another row or field, or the wrong key.</summary>
    AuthenticationFailed,
}

/// <summary>A stored ciphertext could not be decrypted. The message names the reason, never secret material.</summary>
internal sealed class CredentialDecryptionException : Exception
{
    public CredentialDecryptionException()
    {
    }

    public CredentialDecryptionException(string message)
        : base(message)
    {
    }

    public CredentialDecryptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CredentialDecryptionException(DecryptionFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public DecryptionFailure Failure { get; }
}
