using Credentials.Functions.Providers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Credentials.Tests.Providers;

/// <summary>A governor without storage (every table call fails at once, no socket): it goes on with what it learned alone.</summary>
internal static class UnsharedRateGovernor
{
    public static ProviderRateGovernor Create(TimeProvider time)
    {
        var storage = Options.Create(new Credentials.Functions.Storage.StorageOptions());
        var clientOptions = new Azure.Data.Tables.TableClientOptions { Transport = new NoStorage() };
        clientOptions.Retry.MaxRetries = 0;
        var tables = new Credentials.Functions.Storage.StorageTables(
            new Azure.Data.Tables.TableServiceClient(new Uri("http://127.0.0.1:1/unit"), new Azure.Data.Tables.TableSharedKeyCredential("unit", Convert.ToBase64String(new byte[32])), clientOptions),
            storage);
        return new ProviderRateGovernor(new ProviderLimitsTable(tables, storage), Options.Create(new ProviderLimitsOptions()), time,
            NullLogger<ProviderRateGovernor>.Instance);
    }

    private sealed class NoStorage : Azure.Core.Pipeline.HttpPipelineTransport
    {
        public override Azure.Core.Request CreateRequest() => new Azure.Core.Pipeline.HttpClientTransport().CreateRequest();

        public override void Process(Azure.Core.HttpMessage message) => throw new Azure.RequestFailedException("No storage in unit tests.");

        public override ValueTask ProcessAsync(Azure.Core.HttpMessage message) => throw new Azure.RequestFailedException("No storage in unit tests.");
    }
}
