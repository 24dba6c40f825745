/**
 * The subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that our model generators
 * need, declared through protobufjs reflection so no .proto file or code generation step is involved.
 *
 * Field numbers and wire types follow onnx.proto exactly; only the names are camelCase (the protobufjs convention),
 * which does not matter on the wire. onnx.proto is proto2, so repeated scalars are unpacked unless the official
 * file says `[packed = true]` (TensorProto's *_data fields).
 */
import protobuf from 'protobufjs';

/** TensorProto.DataType values we use. */
export const DataType = {
  FLOAT: 1,
  INT32: 6,
  INT64: 7,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values we use. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

const packed = { packed: true };

const descriptor: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'Dimension', id: 1 },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: packed },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: packed },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: packed },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            docString: { type: 'string', id: 12 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

export const ModelProto = root.lookupType('onnx.ModelProto');
export const GraphProto = root.lookupType('onnx.GraphProto');
export const NodeProto = root.lookupType('onnx.NodeProto');
export const TensorProto = root.lookupType('onnx.TensorProto');

/** Field numbers the streaming writer emits by hand (everything else goes through protobufjs). */
export const FieldNumber = {
  modelGraph: 7,
  graphInitializer: 5,
  tensorRawData: 9,
} as const;

// Plain-object shapes accepted by the protobufjs types above (only the fields we set).

export interface StringStringEntry {
  key: string;
  value: string;
}

export interface OperatorSetId {
  domain?: string;
  version: number;
}

export interface Dimension {
  dimValue?: number;
  dimParam?: string;
}

export interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: DataType; shape: { dim: Dimension[] } } };
  docString?: string;
}

export interface Attribute {
  name: string;
  type: AttributeType;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface Node {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  attribute?: Attribute[];
  domain?: string;
}

/** A TensorProto without its data (the writer appends raw_data itself). */
export interface TensorHeader {
  dims: number[];
  dataType: DataType;
  name: string;
}
