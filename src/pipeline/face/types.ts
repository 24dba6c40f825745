export interface Point {
  x: number;
  y: number;
}

/** The six BlazeFace keypoints, in frame pixels. "Right" is the subject's right (left side of the image). */
export interface FaceKeypoints {
  rightEye: Point;
  leftEye: Point;
  nose: Point;
  mouth: Point;
  rightEar: Point;
  leftEar: Point;
}

/** A face found in one frame, in frame pixel coordinates. */
export interface FaceDetection {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  width: number;
  height: number;
  /** Detector confidence in [0, 1]. */
  score: number;
  keypoints: FaceKeypoints;
  /** Set on a face made from a fixed crop box (render option `box`): the box is the crop itself, with no reshaping or pads. */
  fixedCrop?: true;
}

/** The tracked main face for one frame after temporal smoothing; null when the frame has no face. */
export type TrackedFace = FaceDetection | null;
