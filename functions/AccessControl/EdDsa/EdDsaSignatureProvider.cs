using Microsoft.IdentityModel.Tokens;
using NSec.Cryptography;

namespace Credentials.Functions.AccessControl.EdDsa;

/// <summary>Verifies Ed25519 signatures. Verification only: the service never signs with a caller's key.</summary>
internal sealed class EdDsaSignatureProvider(Ed25519SecurityKey key) : SignatureProvider(key, Ed25519SecurityKey.Algorithm)
{
    public override byte[] Sign(byte[] input) => throw new NotSupportedException("EdDSA keys from a JWKS verify only.");

    public override bool Verify(byte[] input, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(signature);
        return Verify(input, 0, input.Length, signature, 0, signature.Length);
    }

    public override bool Verify(byte[] input, int inputOffset, int inputLength, byte[] signature, int signatureOffset, int signatureLength) =>
        signatureLength == SignatureAlgorithm.Ed25519.SignatureSize
        && SignatureAlgorithm.Ed25519.Verify(key.PublicKey, input.AsSpan(inputOffset, inputLength), signature.AsSpan(signatureOffset, signatureLength));

    protected override void Dispose(bool disposing)
    {
    }
}
