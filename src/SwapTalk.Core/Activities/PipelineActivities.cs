using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Activities;

/// <summary>
/// The composition root of the pipeline's activities: every host (the CLI's local executor, the Azure Functions
/// app) registers the same six real activities with one call.
/// </summary>
public static class PipelineActivities
{
    /// <summary>
    /// Registers PlanJob (probing through the media engine, models from the manifest), PrepareSource,
    /// PrepareAudioFeatures, RenderSegment, Stitch and WriteReport, all over <paramref name="services"/>.
    /// </summary>
    public static ActivityRegistry Register(ActivityRegistry registry, PipelineServices services)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(services);
        return registry
            .Add(ActivityNames.PlanJob, new PlanJobActivity(services.Store, Inspector(services), Inventory(services), services.Options.Limits))
            .Add(ActivityNames.PrepareSource, new PrepareSourceActivity(services))
            .Add(ActivityNames.PrepareAudioFeatures, new PrepareAudioFeaturesActivity(services))
            .Add(ActivityNames.RenderSegment, new RenderSegmentActivity(services))
            .Add(ActivityNames.Stitch, new StitchActivity(services))
            .Add(ActivityNames.WriteReport, new WriteReportActivity(services.Store));
    }

    /// <summary>
    /// The inspector PlanJob probes with (video and audio through the media engine). Portraits are checked for a
    /// face by PrepareSource, which has the models; a host validating up front uses a <see cref="MediaInputInspector"/>
    /// with the models folder's face detector (see <see cref="UpFrontInspector"/>).
    /// </summary>
    public static IJobInputInspector Inspector(PipelineServices services) =>
        new MediaInputInspector(services.Media, probeVideo: services.ProbeVideoAsync);

    /// <summary>An inspector that also counts the portrait's faces, with the face detector of <paramref name="modelsDirectory"/>.</summary>
    /// <exception cref="BadInputException">The models folder lacks a usable face detector (or another model).</exception>
    public static IJobInputInspector UpFrontInspector(PipelineServices services, string modelsDirectory) =>
        new MediaInputInspector(services.Media, services.Models(services.ModelsFor(modelsDirectory)).Portraits, probeVideo: services.ProbeVideoAsync);

    /// <summary>The model inventory for job ids and reports: the manifest's models with their sha256.</summary>
    /// <remarks>Describes the folder the activities load from (<see cref="PipelineServices.ModelsFor"/>), so job ids and reports name the models that ran.</remarks>
    public static IModelInventory Inventory(PipelineServices services) => new ManifestModelInventory(services.ManifestFor, services.ModelsFor);
}
