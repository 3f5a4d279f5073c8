namespace Credentials.Functions.Crypto;

public enum MasterKeySourceKind
{
    /// <summary>Master key versions are versions of one Azure Key Vault secret (the only source for Azure).</summary>
    KeyVault,

    /// <summary>Keys from configuration. Development only; never chosen unless configured explicitly.</summary>
    Local,
}

public sealed class EncryptionOptions
{
    public const string SectionName = "Encryption";

    /// <summary>Which source supplies master keys. No default: choosing <c>Local</c> must be deliberate.</summary>
    public MasterKeySourceKind? KeySource { get; set; }

    /// <summary>Vault URI, e.g. <c>https://myvault.vault.azure.net/</c> (KeyVault source).</summary>
    public Uri? KeyVaultUri { get; set; }

    /// <summary>Name of the secret whose versions are the master key versions (KeyVault source).</summary>
    public string KeySecretName { get; set; } = "credentials-master-key";

    /// <summary>Version name → base64 of 32 random bytes (Local source). The greatest name in ordinal order encrypts.</summary>
    public Dictionary<string, string> LocalKeys { get; init; } = new(StringComparer.Ordinal);

    /// <summary>How long loaded keys serve before the source is asked again.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a failed refresh, how long cached keys keep serving before the next try.</summary>
    public TimeSpan KeyRefreshRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
