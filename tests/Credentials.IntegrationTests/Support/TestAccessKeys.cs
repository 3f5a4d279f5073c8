using Credentials.AuthressLocal;
using NSec.Cryptography;

namespace Credentials.Tests.Support;

/// <summary>Authress-format service-client access keys made fresh for a test, with their public keys.</summary>
internal static class TestAccessKeys
{
    private static readonly byte[] Pkcs8Prefix = Convert.FromHexString("302e020100300506032b657004220420");

    public static (string AccessKey, byte[] PublicKey) Create(string clientId, string keyId = "kid1", string accountId = AuthressLocalServer.DefaultAccountId)
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var seed = key.Export(KeyBlobFormat.RawPrivateKey);
        var accessKey = $"{clientId}.{keyId}.{accountId}.{Convert.ToBase64String([.. Pkcs8Prefix, .. seed])}";
        return (accessKey, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }
}
