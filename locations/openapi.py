"""The OpenAPI 3 document of the CEP API, built in code next to the views it describes.

Built per request (it is small) so its prose follows the active language; the docs page renders the
same structure, so the document and the page cannot disagree.
"""

from __future__ import annotations

from django.utils.translation import gettext

from .entities import PRECISIONS, UFS
from .exceptions import CEPDatabaseUnavailable, CEPNotFound, InvalidCEP

RATE_LIMITED = "limite_excedido"
ERROR_CODES = (InvalidCEP.code, CEPNotFound.code, RATE_LIMITED, CEPDatabaseUnavailable.code)

CEP_ABERTO_URL = "https://www.cepaberto.com/"
ODBL_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"


def openapi_document(*, cep_path: str = "/api/cep/{cep}/") -> dict:
    """The OpenAPI 3.0 document of the API, as a JSON-ready dict."""
    retry_after = {
        "description": gettext("Segundos até poder consultar de novo."),
        "schema": {"type": "integer", "minimum": 1},
    }
    cache_control = {
        "description": gettext("Por quanto tempo a resposta pode ser guardada em cache."),
        "schema": {"type": "string"},
    }

    def error(description: str, codes: tuple[str, ...], headers: dict | None = None) -> dict:
        response = {
            "description": description,
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Erro"},
                            {
                                "type": "object",
                                "properties": {"erro": {"type": "string", "enum": list(codes)}},
                            },
                        ]
                    }
                }
            },
        }
        if headers:
            response["headers"] = headers
        return response

    return {
        "openapi": "3.0.3",
        "info": {
            "title": gettext("OCI PIZZA: consulta de CEP"),
            "version": "1.0.0",
            "description": gettext(
                "Endereço de um CEP brasileiro, consultado numa base local (sem serviços externos). "
                "Os campos têm os nomes dos da ViaCEP. Dados de logradouros e bairros: CEP Aberto, "
                "licenciados sob a Open Database License (ODbL) 1.0. Faixas de CEP por município: "
                "OCI PIZZA, Daniel Armbrust, CC BY 4.0."
            ),
            "license": {"name": "ODbL 1.0 (CEP Aberto) e CC BY 4.0 (faixas de CEP)", "url": ODBL_URL},
        },
        "servers": [{"url": "/"}],
        "paths": {
            cep_path: {
                "get": {
                    "operationId": "cep_consultar",
                    "summary": gettext("Consultar um CEP"),
                    "description": gettext(
                        "Responde com o logradouro quando a base conhece o CEP (precisao = "
                        '"logradouro"); senão, com a cidade a que a faixa do CEP pertence (precisao = '
                        '"cidade"). Cada endereço IP pode fazer um número limitado de consultas por minuto.'
                    ),
                    "parameters": [
                        {
                            "name": "cep",
                            "in": "path",
                            "required": True,
                            "description": gettext(
                                "8 dígitos, com ou sem hífen: 01310-100 ou 01310100. Outros formatos "
                                "recebem 400."
                            ),
                            "schema": {
                                "type": "string",
                                "pattern": r"^[0-9]{5}-?[0-9]{3}$",
                                "example": "01310-100",
                            },
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": gettext("O endereço do CEP."),
                            "headers": {
                                "Cache-Control": cache_control,
                                "ETag": {
                                    "description": gettext("Versão da resposta, para If-None-Match."),
                                    "schema": {"type": "string"},
                                },
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Endereco"},
                                    "example": {
                                        "cep": "01310-100",
                                        "logradouro": "Avenida Paulista",
                                        "complemento": "",
                                        "bairro": "Bela Vista",
                                        "localidade": "São Paulo",
                                        "uf": "SP",
                                        "precisao": "logradouro",
                                    },
                                }
                            },
                        },
                        "304": {"description": gettext("Não mudou desde a versão do If-None-Match.")},
                        "400": error(gettext("O CEP não tem 8 dígitos."), (InvalidCEP.code,)),
                        "404": error(
                            gettext("CEP bem formado, mas desconhecido."),
                            (CEPNotFound.code,),
                            {"Cache-Control": cache_control},
                        ),
                        "429": error(
                            gettext(
                                "Consultas demais deste endereço IP; tente de novo depois de Retry-After."
                            ),
                            (RATE_LIMITED,),
                            {"Retry-After": retry_after},
                        ),
                        "503": error(
                            gettext("A base de CEPs está indisponível."),
                            (CEPDatabaseUnavailable.code,),
                            {"Retry-After": retry_after},
                        ),
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Endereco": {
                    "type": "object",
                    "required": [
                        "cep",
                        "logradouro",
                        "complemento",
                        "bairro",
                        "localidade",
                        "uf",
                        "precisao",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "cep": {
                            "type": "string",
                            "pattern": r"^[0-9]{5}-[0-9]{3}$",
                            "example": "01310-100",
                            "description": gettext("O CEP, sempre no formato 00000-000."),
                        },
                        "logradouro": {
                            "type": "string",
                            "description": gettext(
                                "Rua, avenida, praça…; vazio quando a precisão é a cidade."
                            ),
                        },
                        "complemento": {
                            "type": "string",
                            "description": gettext("Trecho do logradouro que o CEP cobre (ex.: lado par)."),
                        },
                        "bairro": {"type": "string", "description": gettext("Bairro; pode vir vazio.")},
                        "localidade": {"type": "string", "description": gettext("Cidade."), "minLength": 1},
                        "uf": {
                            "type": "string",
                            "enum": list(UFS),
                            "description": gettext("Sigla do estado."),
                        },
                        "precisao": {
                            "type": "string",
                            "enum": list(PRECISIONS),
                            "description": gettext(
                                '"logradouro" ou "cidade": até onde o CEP foi encontrado.'
                            ),
                        },
                    },
                },
                "Erro": {
                    "type": "object",
                    "required": ["erro", "mensagem"],
                    "properties": {
                        "erro": {"type": "string", "enum": list(ERROR_CODES)},
                        "mensagem": {"type": "string", "description": gettext("Mensagem para a pessoa.")},
                        "cep": {"type": "string", "pattern": r"^[0-9]{5}-[0-9]{3}$"},
                    },
                },
            }
        },
    }
