using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Crypto;

internal sealed class EncryptionOptionsValidator : IValidateOptions<EncryptionOptions>
{
    private const string Section = EncryptionOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, EncryptionOptions options)
    {
        var failures = new List<string>();
        switch (options.KeySource)
        {
            case null:
                failures.Add($"{SettingName.Of(Section, nameof(EncryptionOptions.KeySource))} is required: KeyVault (Azure) or Local (development only).");
                break;
            case MasterKeySourceKind.KeyVault:
                if (options.KeyVaultUri is not { IsAbsoluteUri: true } uri || uri.Scheme != Uri.UriSchemeHttps)
                {
                    failures.Add($"{SettingName.Of(Section, nameof(EncryptionOptions.KeyVaultUri))} must be the vault's https URI when the key source is KeyVault.");
                }

                if (string.IsNullOrWhiteSpace(options.KeySecretName))
                {
                    failures.Add($"{SettingName.Of(Section, nameof(EncryptionOptions.KeySecretName))} must name the master key secret.");
                }

                break;
            case MasterKeySourceKind.Local:
                if (options.LocalKeys.Count == 0)
                {
                    failures.Add($"{SettingName.Of(Section, nameof(EncryptionOptions.LocalKeys), "<version>")} needs at least one key when the key source is Local.");
                }

                foreach (var (version, value) in options.LocalKeys)
                {
                    if (!IsBase64Key(value))
                    {
                        failures.Add($"{SettingName.Of(Section, nameof(EncryptionOptions.LocalKeys), version)} must be base64 of {Crypto.MasterKey.SizeInBytes} random bytes (run.sh generates one).");
                    }
                }

                break;
            default:
                failures.Add($"{SettingName.Of(Section, nameof(EncryptionOptions.KeySource))} must be KeyVault or Local.");
                break;
        }

        if (options.KeyRefreshInterval <= TimeSpan.Zero || options.KeyRefreshRetryDelay <= TimeSpan.Zero)
        {
            failures.Add($"{SettingName.Of(Section, nameof(EncryptionOptions.KeyRefreshInterval))} and {SettingName.Of(Section, nameof(EncryptionOptions.KeyRefreshRetryDelay))} must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsBase64Key(string value)
    {
        if (!Crypto.MasterKey.TryDecodeMaterial(value, out var material))
        {
            return false;
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(material);
        return true;
    }
}
