namespace SwapTalk.Core.Models;

/// <summary>The manifest's stage names (the keys later stages look models up by).</summary>
public static class StageNames
{
    public const string VqEncoder = "vq_encoder";
    public const string FaceSwapper = "face_swapper";
    public const string LipSyncer = "lip_syncer";
    public const string AudioEncoder = "audio_encoder";
    public const string VqDecoder = "vq_decoder";
    public const string FaceDetector = "face_detector";
    public const string FaceLandmarker = "face_landmarker";
    public const string IdentityEmbedder = "identity_embedder";
}
