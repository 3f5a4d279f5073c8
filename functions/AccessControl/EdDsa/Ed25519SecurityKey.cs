using Microsoft.IdentityModel.Tokens;
using NSec.Cryptography;

namespace Credentials.Functions.AccessControl.EdDsa;

/// <summary>
/// An Ed25519 public key (JWK <c>kty: OKP, crv: Ed25519</c>) that Microsoft.IdentityModel can validate with: it brings
/// its own <see cref="CryptoProviderFactory"/>, so no process-wide crypto setting is changed.
/// </summary>
internal sealed class Ed25519SecurityKey : AsymmetricSecurityKey
{
    public const string Algorithm = "EdDSA";

    public Ed25519SecurityKey(ReadOnlySpan<byte> publicKey, string? keyId)
    {
        PublicKey = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);
        KeyId = keyId;
        CryptoProviderFactory = new CryptoProviderFactory { CustomCryptoProvider = new EdDsaCryptoProvider() };
    }

    public PublicKey PublicKey { get; }

    public override int KeySize => 256;

#pragma warning disable CS0672 // IdentityModel still calls the obsolete member; Ed25519 public keys never have a private part.
    [Obsolete("Use PrivateKeyStatus")]
    public override bool HasPrivateKey => false;
#pragma warning restore CS0672

    public override PrivateKeyStatus PrivateKeyStatus => PrivateKeyStatus.DoesNotExist;
}
