using System.Security.Cryptography;
using System.Text;

namespace Credentials.Functions.Crypto;

/// <summary>Encrypts secrets under the current master key and decrypts them under whichever version wrote them.</summary>
public sealed class CredentialCipher(MasterKeyRing keys)
{
    public async ValueTask<byte[]> EncryptAsync(string secret, EncryptionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var key = await keys.GetCurrentAsync(cancellationToken);
        var plaintext = Encoding.UTF8.GetBytes(secret);
        try
        {
            return CredentialEnvelope.Encrypt(key, plaintext, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public async ValueTask<string> DecryptAsync(byte[] envelope, EncryptionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var version = CredentialEnvelope.ReadKeyVersion(envelope);
        var key = await keys.FindAsync(version, cancellationToken)
            ?? throw new CredentialDecryptionException(DecryptionFailure.UnknownKeyVersion,
                $"The {context.Field} was encrypted under master key version '{version}', which is not an enabled version: " +
                "re-enable it, or restore it, before records written under it can be read.");
        try
        {
            var plaintext = CredentialEnvelope.Decrypt(key, envelope, context);
            try
            {
                return Encoding.UTF8.GetString(plaintext);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }
        catch (ObjectDisposedException exception)
        {
            throw new CredentialDecryptionException(DecryptionFailure.UnknownKeyVersion,
                $"Master key version '{version}' was disabled while in use.", exception);
        }
    }

    /// <summary>Whether <paramref name="envelope"/> was written under an older key than the current one.</summary>
    public async ValueTask<bool> IsStaleAsync(byte[] envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var current = await keys.GetCurrentAsync(cancellationToken);
        return !string.Equals(CredentialEnvelope.ReadKeyVersion(envelope), current.Version, StringComparison.Ordinal);
    }
}
