using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Models;

/// <summary>
/// <c>GET /api/models</c> (stored versions and champions) and <c>POST /api/models/retrain</c> (train now). Function key
/// and admin key, like every management endpoint.
/// </summary>
public sealed class ModelFunctions(ModelRegistry registry, ModelTraining training, IOptions<AdminOptions> admin)
{
    [Function("ListModels")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/models")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => ReplyShape.FromModels(await registry.ListAsync(cancellationToken: req.HttpContext.RequestAborted)));

    [Function("RetrainModelsNow")]
    public async Task<IActionResult> RetrainAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/models/retrain")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => ReplyShape.FromTraining(await training.TrainAllAsync(req.HttpContext.RequestAborted)));
}
