namespace Credentials.Functions.Crypto.KeySources;

/// <summary>Where master key versions come from. Each call loads every enabled version afresh; the key ring caches.</summary>
public interface IMasterKeySource
{
    /// <summary>A short name for logs and errors (never key material).</summary>
    string Description { get; }

    /// <summary>Every enabled key version. The caller owns (and disposes) the returned keys.</summary>
    Task<IReadOnlyList<MasterKey>> LoadEnabledKeysAsync(CancellationToken cancellationToken);
}
