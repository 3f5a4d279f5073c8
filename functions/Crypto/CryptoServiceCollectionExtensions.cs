using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Credentials.Functions.Crypto.KeySources;
using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Crypto;

internal static class CryptoServiceCollectionExtensions
{
    /// <summary>The master key source (Key Vault, or Local when chosen explicitly), the key ring and the envelope cipher.</summary>
    public static IServiceCollection AddCrypto(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EncryptionOptions, EncryptionOptionsValidator>(configuration, EncryptionOptions.SectionName);
        services.AddAzureClients(clients =>
        {
            clients.UseCredential(new DefaultAzureCredential());
            clients.AddClient<SecretClient, SecretClientOptions>((clientOptions, credential, provider) =>
                new SecretClient(provider.GetRequiredService<IOptions<EncryptionOptions>>().Value.KeyVaultUri, credential, clientOptions));
        });

        // The key source is chosen by configuration alone; Local is never a fallback for a Key Vault that fails.
        services.AddSingleton<IMasterKeySource>(provider =>
            provider.GetRequiredService<IOptions<EncryptionOptions>>().Value.KeySource == MasterKeySourceKind.Local
                ? ActivatorUtilities.CreateInstance<LocalMasterKeySource>(provider)
                : ActivatorUtilities.CreateInstance<KeyVaultMasterKeySource>(provider));
        services.AddSingleton<MasterKeyRing>();
        services.AddSingleton<CredentialCipher>();
        return services;
    }
}
