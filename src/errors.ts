/**
 * Typed errors. Every message names the file, tensor or field at fault and what was expected.
 * @example throw new CheckpointError('model.safetensors', 'header length 9e9 exceeds file size 1024');
 */
export class MinitronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A safetensors file is malformed. @example new SafetensorsError('/m/model.safetensors', 'truncated') */
export class SafetensorsError extends MinitronError {
  constructor(readonly file: string, detail: string, readonly tensor?: string) {
    super(`${file}${tensor ? ` [tensor ${tensor}]` : ''}: ${detail}`);
  }
}

/** A config.json field is missing, malformed or unsupported. @example new ConfigError('config.json', 'hidden_size', 'a positive integer') */
export class ConfigError extends MinitronError {
  constructor(readonly file: string, readonly field: string, expected: string) {
    super(`${file}: field "${field}": expected ${expected}`);
  }
}

/** A checkpoint folder lacks a tensor or a tensor has the wrong shape. @example new CheckpointError('/m', 'lm_head.weight missing') */
export class CheckpointError extends MinitronError {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
  }
}

/** Bad arguments to a library call or the CLI. @example new UsageError('--seq-len must be a positive integer') */
export class UsageError extends MinitronError {}

/** Importance estimation was given unusable inputs or state. @example new ImportanceError('state imp.json belongs to another model') */
export class ImportanceError extends MinitronError {
  constructor(detail: string) {
    super(`importance: ${detail}`);
  }
}

/** Token data cannot be sampled as asked (too short, bad ids). @example new DataError('calibration text too short for 32 samples') */
export class DataError extends MinitronError {}
