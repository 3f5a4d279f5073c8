using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.AccessControl.EdDsa;

/// <summary>Supplies <see cref="EdDsaSignatureProvider"/> for verifying <c>EdDSA</c> signatures with an <see cref="Ed25519SecurityKey"/>.</summary>
internal sealed class EdDsaCryptoProvider : ICryptoProvider
{
    public bool IsSupportedAlgorithm(string algorithm, params object[] args) =>
        algorithm == Ed25519SecurityKey.Algorithm && args is [Ed25519SecurityKey, ..];

    public object Create(string algorithm, params object[] args) =>
        IsSupportedAlgorithm(algorithm, args)
            ? new EdDsaSignatureProvider((Ed25519SecurityKey)args[0])
            : throw new NotSupportedException($"Algorithm {algorithm} is not supported by the EdDSA provider.");

    public void Release(object cryptoInstance)
    {
        if (cryptoInstance is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
