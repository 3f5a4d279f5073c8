using System.Diagnostics.CodeAnalysis;
using NSec.Cryptography;

namespace Credentials.Functions.AccessControl.Authress;

/// <summary>
/// A parsed Authress service-client access key: <c>clientId.keyId.accountId.privateKey</c>, the last part base64 of a
/// PKCS#8 DER Ed25519 private key. The key lives in libsodium's guarded memory and is wiped on dispose.
/// </summary>
internal sealed class AuthressAccessKey : IDisposable
{
    private static readonly byte[] Pkcs8Ed25519Prefix = Convert.FromHexString("302e020100300506032b657004220420");

    private AuthressAccessKey(string clientId, string keyId, string accountId, Key privateKey)
    {
        ClientId = clientId;
        KeyId = keyId;
        AccountId = accountId;
        PrivateKey = privateKey;
    }

    public string ClientId { get; }

    public string KeyId { get; }

    public string AccountId { get; }

    public Key PrivateKey { get; }

    /// <summary>The raw 32-byte public key (the JWK <c>x</c> before base64url).</summary>
    public byte[] PublicKey => PrivateKey.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    public static bool TryParse(string? accessKey, [NotNullWhen(true)] out AuthressAccessKey? parsed)
    {
        parsed = null;
        var parts = accessKey?.Trim().Split('.');
        if (parts is not [{ Length: > 0 } clientId, { Length: > 0 } keyId, { Length: > 0 } accountId, { Length: > 0 } encoded])
        {
            return false;
        }

        var der = new byte[64];
        try
        {
            if (!Convert.TryFromBase64String(encoded, der, out var written) || written != Pkcs8Ed25519Prefix.Length + 32
                || !der.AsSpan(0, Pkcs8Ed25519Prefix.Length).SequenceEqual(Pkcs8Ed25519Prefix))
            {
                return false;
            }

            var key = Key.Import(SignatureAlgorithm.Ed25519, der.AsSpan(Pkcs8Ed25519Prefix.Length, 32), KeyBlobFormat.RawPrivateKey);
            parsed = new AuthressAccessKey(clientId, keyId, accountId, key);
            return true;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(der);
        }
    }

    public void Dispose() => PrivateKey.Dispose();
}
