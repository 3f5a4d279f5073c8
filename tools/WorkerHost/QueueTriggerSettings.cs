using System.Globalization;
using System.Text.Json;

namespace Credentials.WorkerHost;

/// <summary>
/// How queue triggers are run, as host.json's <c>extensions.queues</c> tells the Functions host (same defaults where
/// host.json says nothing), plus the message lease the host takes and renews while a function runs.
/// </summary>
public sealed record QueueTriggerSettings
{
    public int BatchSize { get; init; } = 16;

    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long a message that failed stays invisible before its next attempt.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a message being processed stays invisible; renewed at half-time, so it reappears only if this process stops.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(10);

    public static QueueTriggerSettings FromHostJson(string path)
    {
        var settings = new QueueTriggerSettings();
        if (!File.Exists(path))
        {
            return settings;
        }

        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues))
        {
            return settings;
        }

        return settings with
        {
            BatchSize = queues.TryGetProperty("batchSize", out var batch) ? batch.GetInt32() : settings.BatchSize,
            MaxDequeueCount = queues.TryGetProperty("maxDequeueCount", out var dequeues) ? dequeues.GetInt32() : settings.MaxDequeueCount,
            VisibilityTimeout = queues.TryGetProperty("visibilityTimeout", out var visibility)
                ? TimeSpan.Parse(visibility.GetString()!, CultureInfo.InvariantCulture) : settings.VisibilityTimeout,
            MaxPollingInterval = queues.TryGetProperty("maxPollingInterval", out var polling)
                ? TimeSpan.Parse(polling.GetString()!, CultureInfo.InvariantCulture) : settings.MaxPollingInterval,
        };
    }
}
