using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Crypto.KeySources;

/// <summary>
/// Master keys as versions of one Key Vault secret: each enabled version whose value is base64 of 32 bytes is a key
/// version, named by the secret version id, with the secret's expiry date (expired versions decrypt, never encrypt).
/// The app only reads (Key Vault Secrets User); people add versions.
/// </summary>
internal sealed partial class KeyVaultMasterKeySource(
    SecretClient client,
    IOptions<EncryptionOptions> options,
    ILogger<KeyVaultMasterKeySource> logger) : IMasterKeySource
{
    private string SecretName => options.Value.KeySecretName;

    public string Description => $"Key Vault secret '{SecretName}' in {client.VaultUri}";

    public async Task<IReadOnlyList<MasterKey>> LoadEnabledKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<MasterKey>();
        try
        {
            await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync(SecretName, cancellationToken))
            {
                // An expired version is still loaded: records written under it must stay readable. The ring only
                // never encrypts with it. A disabled version cannot even be read from the vault.
                if (properties.Enabled != true)
                {
                    continue;
                }

                KeyVaultSecret secret = await client.GetSecretAsync(SecretName, properties.Version, cancellationToken);
                if (MasterKey.TryDecodeMaterial(secret.Value, out var material))
                {
                    keys.Add(new MasterKey(properties.Version, material, properties.CreatedOn ?? DateTimeOffset.MinValue, properties.ExpiresOn));
                }
                else
                {
                    LogUnusableVersion(logger, SecretName, properties.Version);
                }
            }
        }
        catch (RequestFailedException exception)
        {
            DisposeAll(keys);
            throw new MasterKeyUnavailableException($"Reading {Description} failed with HTTP {exception.Status} ({exception.ErrorCode}).", exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            DisposeAll(keys);
            throw new MasterKeyUnavailableException($"Reading {Description} failed: the vault did not answer.", exception);
        }

        return keys;
    }

    private static void DisposeAll(List<MasterKey> keys) => keys.ForEach(k => k.Dispose());

    [LoggerMessage(EventId = 2100, Level = LogLevel.Error,
        Message = "Key Vault secret {SecretName} version {Version} is not base64 of 32 bytes; it is ignored and never used to encrypt")]
    private static partial void LogUnusableVersion(ILogger logger, string secretName, string version);
}
