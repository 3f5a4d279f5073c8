using Credentials.Functions.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Credentials.Benchmarks;

/// <summary>
/// For measurements only: reads the audit queue and drops what it reads, in place of the <see cref="AuditWriter"/>. The
/// append to the bounded queue is still paid; the table inserts are not, which shows what the audit sink costs.
/// </summary>
internal sealed class DiscardingAuditDrain(AuditBuffer buffer) : BackgroundService
{
    public static void ReplaceAuditWriter(IServiceCollection services)
    {
        foreach (var writer in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(AuditWriter)).ToList())
        {
            services.Remove(writer);
        }

        services.AddHostedService<DiscardingAuditDrain>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await buffer.Reader.WaitToReadAsync(stoppingToken))
            {
                var count = 0;
                while (buffer.Reader.TryRead(out _))
                {
                    count++;
                }

                buffer.Settled(count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
