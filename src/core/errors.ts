/**
 * Errors in CloudWatch Logs' vocabulary. The `type` is the bare AWS exception name that goes
 * into `{"__type": ..., "message": ...}`; one renderer in api/ turns any of these into a response.
 */
export class LogsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly httpStatus: number = 400,
  ) {
    super(message);
    this.name = type;
  }
}

function errorClass(type: string, httpStatus = 400) {
  return class extends LogsError {
    constructor(message: string) {
      super(type, message, httpStatus);
    }
  };
}

export const InvalidParameterException = errorClass('InvalidParameterException');
export const ResourceNotFoundException = errorClass('ResourceNotFoundException');
export const ResourceAlreadyExistsException = errorClass('ResourceAlreadyExistsException');
export const LimitExceededException = errorClass('LimitExceededException');
export const OperationAbortedException = errorClass('OperationAbortedException');
export const InvalidOperationException = errorClass('InvalidOperationException');
export const DataAlreadyAcceptedException = errorClass('DataAlreadyAcceptedException');
export const InvalidSequenceTokenException = errorClass('InvalidSequenceTokenException');
export const MalformedQueryException = errorClass('MalformedQueryException');
export const TooManyTagsException = errorClass('TooManyTagsException');
export const ConflictException = errorClass('ConflictException');
export const ValidationException = errorClass('ValidationException');
export const AccessDeniedException = errorClass('AccessDeniedException');
export const UnrecognizedClientException = errorClass('UnrecognizedClientException');
export const ThrottlingException = errorClass('ThrottlingException');
export const ServiceQuotaExceededException = errorClass('ServiceQuotaExceededException');
export const SerializationException = errorClass('SerializationException');
export const UnknownOperationException = errorClass('UnknownOperationException');
export const SessionTimeoutException = errorClass('SessionTimeoutException');
export const SessionStreamingException = errorClass('SessionStreamingException');
export const ServiceUnavailableException = errorClass('ServiceUnavailableException', 503);
export const InternalServerException = errorClass('InternalServerException', 500);
export const RequestEntityTooLargeException = errorClass('RequestEntityTooLargeException', 413);

export function isLogsError(err: unknown): err is LogsError {
  return err instanceof LogsError;
}
